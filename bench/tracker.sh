#!/usr/bin/env bash
# =============================================================================================
# tracker.sh - announces/s, latency and memory of shoal's tracker against opentracker
#
#   bench/tracker.sh [--torrents 10000] [--peers 1000000] [--workers 32] [--duration 10s]
#                    [--runs 3] [--rate 5000] [--sources 32] [--port-base 27969] [--shoal BIN]
#                    [--shoal-args '--rate-limit 0'] [--transports 'http-keepalive http-newconn udp']
#                    [--profile DIR] [--keep]
#
# What one invocation does (everything on 127.0.0.1; nothing leaves the host):
#   1. builds shoal (unless --shoal names a binary) and the load generator (bench/trackerload)
#      into a scratch dir
#   2. starts `shoal tracker` (HTTP and UDP on PORT, state in bbolt under the scratch dir,
#      default settings plus --shoal-args; with --profile DIR it writes a CPU profile to
#      DIR/shoal-cpu.pprof) and opentracker (HTTP and UDP on PORT+1; the Debian build answers
#      only whitelisted info hashes, so the scratch dir gets a whitelist of the benchmark's
#      torrents; opentracker chroots into that dir)
#   3. populates each tracker with --peers peers over --torrents torrents (one UDP announce
#      with event=started per peer) and checks with a UDP scrape of every torrent that each
#      tracker holds them all
#   4. saturation: for each of HTTP with keep-alive, HTTP with one connection per announce,
#      and UDP, and --runs times, runs the same load against shoal and opentracker (shoal
#      first in odd runs, opentracker first in even ones):
#      --workers closed-loop workers, each announcing a random peer of the population
#      (no event, numwant=50, compact) and waiting for the reply, for --duration
#   5. latency at a fixed load: --rate announces/s for --duration against each tracker over
#      HTTP (keep-alive) and UDP; latencies are measured from when each request was due
#   6. prints announces/s (median over runs), shoal/opentracker ratio, latency p50/p99, the
#      CPU each tracker used per second of load, and VmRSS / VmHWM of each tracker process
#
# The load comes from --sources loopback addresses (127.1.0.1 and up; peer i always from the
# same one). opentracker has no per-address rate limit, so by default shoal runs with
# --rate-limit 0 too; to measure shoal's default limit (20/s per address) instead, give
# --shoal-args '' and enough sources that no address exceeds it (e.g. --sources 8192).
# The machine's cores are shared: the load generator and the tracker under test compete for
# them, so announces/s is a property of the pair, measured the same way for both trackers.
# Only one tracker is loaded at a time; the other one idles.
# Processes are started with setsid, their PIDs recorded, and stopped by PID at exit.
# Requirements: go, opentracker (Debian package), ss (iproute2), awk.
# =============================================================================================
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

TORRENTS=10000 PEERS=1000000 WORKERS=32 DURATION=10s RUNS=3 RATE=5000 PORT_BASE=27969 KEEP=0 SHOAL=
SOURCES=32 SHOAL_ARGS='--rate-limit 0' PROFILE= MODES='http-keepalive http-newconn udp'
usage() { awk 'NR>2 && /^# =====/{exit} NR>2' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --torrents) TORRENTS=$2; shift 2;;  --peers) PEERS=$2; shift 2;;
    --workers) WORKERS=$2; shift 2;;    --duration) DURATION=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;          --rate) RATE=$2; shift 2;;
    --port-base) PORT_BASE=$2; shift 2;; --keep) KEEP=1; shift;;
    --shoal) SHOAL=$(readlink -f "$2"); shift 2;; --shoal-args) SHOAL_ARGS=$2; shift 2;;
    --sources) SOURCES=$2; shift 2;;    --transports) MODES=$2; shift 2;;
    --profile) PROFILE=$(mkdir -p "$2" && readlink -f "$2"); shift 2;;
    -h|--help) usage 0;;
    *) echo "unknown option: $1" >&2; usage 2;;
  esac
done
SP=$PORT_BASE OP=$((PORT_BASE + 1))
SRC=127.1.0.1+$SOURCES
log() { echo "[$(date +%T)] $*" >&2; }

WORK=$(mktemp -d /tmp/shoal-trackerbench.XXXXXX)
declare -A PID=()
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
stop() {
  local name=$1 pid=${PID[$1]:-}
  [ -z "$pid" ] && return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then log "stop $name: SIGKILL"; kill -KILL -- -"$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
  unset "PID[$name]"
}
cleanup() {
  local n
  for n in "${!PID[@]}"; do stop "$n"; done
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

for p in $SP $OP; do
  if ss -Htanlu "( sport = :$p )" | grep -q .; then log "port $p is in use (use --port-base)"; exit 1; fi
done

if [ -n "$SHOAL" ]; then log "building trackerload (shoal: $SHOAL)"; else log "building shoal and trackerload"; fi
(cd "$ROOT" && go build -o "$WORK/trackerload" ./bench/trackerload)
if [ -n "$SHOAL" ]; then cp "$SHOAL" "$WORK/shoal"; else (cd "$ROOT" && go build -o "$WORK/shoal" ./cmd/shoal); fi
TL="$WORK/trackerload"

start() { # start NAME DIR CMD... (stdout and stderr to $WORK/NAME.log)
  local name=$1 dir=$2; shift 2
  ( cd "$dir" && exec setsid "$@" > "$WORK/$name.log" 2>&1 < /dev/null ) &
  PID[$name]=$!
}
wait_tcp() { # wait_tcp NAME PORT
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    alive "${PID[$1]}" || break
    sleep 0.1
  done
  log "$1 did not start; its log:"; cat "$WORK/$1.log" >&2; exit 1
}

mkdir -p "$WORK/shoal-data" "$WORK/ot"
chmod 755 "$WORK" "$WORK/ot"
"$TL" -mode whitelist -torrents "$TORRENTS" -peers "$PEERS" -o "$WORK/ot/whitelist.txt"
chmod 644 "$WORK/ot/whitelist.txt"
# shellcheck disable=SC2086
start shoal "$WORK" env SHOAL_CPUPROFILE="${PROFILE:+$PROFILE/shoal-cpu.pprof}" \
  "$WORK/shoal" tracker --http "127.0.0.1:$SP" --udp "127.0.0.1:$SP" --data "$WORK/shoal-data" $SHOAL_ARGS
start opentracker "$WORK/ot" opentracker -i 127.0.0.1 -p "$OP" -P "$OP" -d . -w whitelist.txt
wait_tcp shoal "$SP"
wait_tcp opentracker "$OP"
for n in shoal opentracker; do
  [ "$(cat "/proc/${PID[$n]}/comm")" = "$n" ] || { log "PID ${PID[$n]} is not $n"; exit 1; }
done
declare -A PORT=([shoal]=$SP [opentracker]=$OP)
TRACKERS="shoal opentracker"

kv() { tr ' ' '\n' <<< "$2" | awk -F= -v k="$1" '$1==k{print $2; exit}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mem() { awk '/^VmHWM|^VmRSS|^RssAnon|^RssFile/{printf "%s %d MiB  ", $1, $2/1024}' "/proc/$1/status"; }
median() { sort -g | awk '{a[NR]=$1} END{if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
TCK=$(getconf CLK_TCK)

busy_ticks() { awk '$1=="cpu"{print $2+$3+$4+$7+$8; exit}' /proc/stat; }
# load NAME TARGET ARGS... : one trackerload run; prints its result line with CPU use appended,
# in CPU seconds per second of the run: tracker_cpu (the tracker), cpu_secs/secs (trackerload)
# and other_cpu (everything else on the machine: other users of the cores add noise)
load() {
  local name=$1 target=$2; shift 2
  local c0 c1 b0 b1 line secs
  c0=$(cpu_ticks "${PID[$name]}") b0=$(busy_ticks)
  line=$("$TL" -label "$name" -target "$target" -torrents "$TORRENTS" -peers "$PEERS" -src "$SRC" "$@")
  c1=$(cpu_ticks "${PID[$name]}") b1=$(busy_ticks)
  secs=$(kv secs "$line")
  alive "${PID[$name]}" || { log "$name died; its log:"; tail "$WORK/$name.log" >&2; exit 1; }
  echo "$line $(awk -v a="$c0" -v b="$c1" -v x="$b0" -v y="$b1" -v t="$TCK" -v s="$secs" -v g="$(kv cpu_secs "$line")" \
    'BEGIN{tr=(b-a)/t/s; printf "tracker_cpu=%.2f load_cpu=%.2f other_cpu=%.2f", tr, g/s, (y-x)/t/s - tr - g/s}')"
}

echo "== tracker benchmark: $PEERS peers over $TORRENTS torrents, numwant 50, compact, $(nproc) cores"
echo "   load generator and tracker share the $(nproc) cores of this machine (one tracker loaded at a time);"
echo "   load from $SOURCES loopback addresses; shoal tracker ${SHOAL_ARGS:-with default settings}"
echo "   shoal $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo '?'), opentracker $(dpkg-query -W -f='${Version}' opentracker 2>/dev/null || echo '?')"

for n in $TRACKERS; do
  log "populating $n with $PEERS peers"
  line=$(load "$n" "udp://127.0.0.1:${PORT[$n]}" -mode populate -workers "$WORKERS" -timeout 5s)
  echo "populate $n: $(kv announces "$line") announces in $(kv secs "$line") s ($(kv per_sec "$line")/s), failures $(kv failures "$line") timeouts $(kv timeouts "$line") errors $(kv errors "$line")"
  line=$("$TL" -mode scrape -target "udp://127.0.0.1:${PORT[$n]}" -torrents "$TORRENTS" -peers "$PEERS" -timeout 5s)
  echo "scrape   $n: $(kv swarms "$line") swarms, $(kv peers "$line") peers ($(kv seeders "$line") seeders)"
  echo "memory   $n after populate: $(mem "${PID[$n]}")"
done

declare -A RATE_OF=() P50=() P99=() CPU=() OTHER=() CONNS=() FAILS=()
args_of() {
  case "$1" in
    http-keepalive) echo "http://127.0.0.1:$2/announce";;
    http-newconn) echo "http://127.0.0.1:$2/announce -no-keepalive";;
    udp) echo "udp://127.0.0.1:$2";;
  esac
}
for mode in $MODES; do
  for r in $(seq "$RUNS"); do
    order=$TRACKERS
    [ $((r % 2)) = 0 ] && order="opentracker shoal" # alternate who goes first
    for n in $order; do
      # shellcheck disable=SC2046
      line=$(load "$n" $(args_of "$mode" "${PORT[$n]}") -mode random -workers "$WORKERS" -duration "$DURATION" -seed "$r")
      log "$mode run $r: $line"
      RATE_OF[$mode,$n]+="$(kv per_sec "$line") "
      P50[$mode,$n]+="$(kv p50_us "$line") "
      P99[$mode,$n]+="$(kv p99_us "$line") "
      CPU[$mode,$n]+="$(kv tracker_cpu "$line") "
      OTHER[$mode,$n]+="$(kv other_cpu "$line") "
      CONNS[$mode,$n]=$(awk -v c="$(kv connections "$line")" -v a="$(kv announces "$line")" 'BEGIN{printf "%.2f", (a>0 ? c/a : 0)}')
      FAILS[$mode,$n]=$(( ${FAILS[$mode,$n]:-0} + $(kv failures "$line") + $(kv timeouts "$line") + $(kv errors "$line") ))
    done
  done
done

med() { tr ' ' '\n' <<< "$1" | grep . | median; }
echo
echo "== saturation: $WORKERS closed-loop workers, $RUNS x $DURATION per tracker and transport, medians"
printf '%-16s %-12s %12s %8s %9s %9s %11s %9s %10s %7s\n' transport tracker announces/s ratio "p50 ms" "p99 ms" "tracker cpu" "other cpu" "conns/ann" "failed"
for mode in $MODES; do
  base=$(med "${RATE_OF[$mode,opentracker]}")
  for n in $TRACKERS; do
    rate=$(med "${RATE_OF[$mode,$n]}")
    printf '%-16s %-12s %12.0f %8s %9.3f %9.3f %11s %9s %10s %7s\n' "$mode" "$n" "$rate" \
      "$(awk -v a="$rate" -v b="$base" 'BEGIN{printf "%.2fx", (b>0 ? a/b : 0)}')" \
      "$(awk -v v="$(med "${P50[$mode,$n]}")" 'BEGIN{print v/1000}')" \
      "$(awk -v v="$(med "${P99[$mode,$n]}")" 'BEGIN{print v/1000}')" \
      "$(med "${CPU[$mode,$n]}")" "$(med "${OTHER[$mode,$n]}")" "${CONNS[$mode,$n]}" "${FAILS[$mode,$n]}"
  done
done
echo "   (ratio: announces/s relative to opentracker; tracker cpu: CPU seconds the tracker used per"
echo "    second; other cpu: the same for everything but the tracker and the load generator)"

if awk -v r="$RATE" 'BEGIN{exit !(r > 0)}'; then
  echo
  echo "== latency at a fixed load of $RATE announces/s ($WORKERS workers, $DURATION, from due time)"
  printf '%-16s %-12s %12s %9s %9s %9s %11s %9s %7s\n' transport tracker announces/s "p50 ms" "p99 ms" "max ms" "tracker cpu" "other cpu" "failed"
  for mode in $MODES; do
    [ "$mode" = http-newconn ] && continue
    for n in $TRACKERS; do
      # shellcheck disable=SC2046
      line=$(load "$n" $(args_of "$mode" "${PORT[$n]}") -mode random -workers "$WORKERS" -duration "$DURATION" -rate "$RATE" -seed 99)
      log "$mode at $RATE/s: $line"
      printf '%-16s %-12s %12.0f %9.3f %9.3f %9.3f %11s %9s %7s\n' "$mode" "$n" "$(kv per_sec "$line")" \
        "$(awk -v v="$(kv p50_us "$line")" 'BEGIN{print v/1000}')" "$(awk -v v="$(kv p99_us "$line")" 'BEGIN{print v/1000}')" \
        "$(awk -v v="$(kv max_us "$line")" 'BEGIN{print v/1000}')" "$(kv tracker_cpu "$line")" "$(kv other_cpu "$line")" \
        "$(( $(kv failures "$line") + $(kv timeouts "$line") + $(kv errors "$line") ))"
    done
  done
fi

echo
echo "== memory with $PEERS peers over $TORRENTS torrents, after the load (RssFile: mapped files,"
echo "   for shoal mostly its bbolt database)"
for n in $TRACKERS; do
  printf '%-12s %s\n' "$n" "$(mem "${PID[$n]}")"
done
