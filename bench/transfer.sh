#!/usr/bin/env bash
# =============================================================================================
# transfer.sh - whole-transfer benchmark over loopback: shoal -> shoal against
# libtorrent -> libtorrent, in the same run, on the same torrent and payload.
#
#   bench/transfer.sh [--size 1G] [--runs 3] [--piece-kib 256] [--lt-default]
#                     [--shoal BIN] [--drop-caches] [--timeout 300] [--keep]
#
# What it does:
#   1. builds cmd/shoal (or takes --shoal BIN), writes SIZE random bytes to a scratch
#      directory under /tmp and makes one torrent with `shoal create --piece-length`
#      (no tracker: every downloader is given its seeder with --peer);
#   2. per run, for each contestant (order rotated per run):
#        shoal          shoal seed  -> shoal get
#        libtorrent-hp  internal/interop/testdata/lt.py, libtorrent's high_performance_seed()
#                       settings on both sides (uTP off, several connections per IP)
#        libtorrent     the same with libtorrent's default settings (only with --lt-default)
#      the seeder starts on a hard link of the payload and must be ready first (libtorrent:
#      prints "lt: ready"; shoal: listening and its CPU time no longer growing, i.e. its
#      start-up hash check is over); the downloader is then timed from its launch until it
#      exits 0 (so start-up and shutdown count for both);
#   3. peak anonymous memory (RssAnon summed over each process group, sampled every 0.1 s)
#      of seeder and downloader; the received file's SHA-256 is checked (not timed);
#   4. prints one line per transfer (for libtorrent also the time it reports itself, from
#      launch to "complete", i.e. without its interpreter start-up and shutdown), the
#      medians, and the ratio shoal / libtorrent-hp.
#
# Everything binds to 127.0.0.1; the payload stays warm in the page cache unless
# --drop-caches (root) is given. Processes are started with setsid and stopped by PID;
# the scratch directory is removed at exit unless --keep.
# Needs: go, /usr/bin/python3 with python3-libtorrent, sha256sum, ss.
# =============================================================================================
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PY=/usr/bin/python3
LT="$ROOT/internal/interop/testdata/lt.py"
SIZE=1G RUNS=3 PIECE_KIB=256 LT_DEFAULT=0 SHOAL= DROP=0 TIMEOUT=300 KEEP=0

usage() { awk 'NR>2 && /^# =====/{exit} NR>2' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    --piece-kib) PIECE_KIB=$2; shift 2;;
    --lt-default) LT_DEFAULT=1; shift;;
    --shoal) SHOAL=$(readlink -f "$2"); shift 2;;
    --drop-caches) DROP=1; shift;;
    --timeout) TIMEOUT=$2; shift 2;;
    --keep) KEEP=1; shift;;
    -h|--help) usage 0;;
    *) echo "transfer.sh: unknown option $1" >&2; usage 2;;
  esac
done

SIZE_B=$(numfmt --from=iec "$SIZE")
WORK=$(mktemp -d /tmp/shoal-bench.XXXXXX)
declare -A PID=()
log() { echo "[$(date +%T)] $*" >&2; }

alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
start() {   # start NAME DIR CMD... : own session (pgid = pid), output to $WORK/NAME.log
  local name=$1 dir=$2; shift 2
  ( cd "$dir" && exec setsid "$@" > "$WORK/$name.log" 2>&1 < /dev/null ) &
  PID[$name]=$!
}
stop() {    # stop NAME: SIGTERM the group, SIGKILL after 10 s
  local name=$1 pid=${PID[$1]:-}
  [ -z "$pid" ] && return 0
  kill -TERM -- -"$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  kill -KILL -- -"$pid" 2>/dev/null || true
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

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { ss -Htln "( sport = :$1 )" | grep -q .; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo x; }
now() { echo "$EPOCHREALTIME"; }
fail() { log "$*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
$PY -c 'import libtorrent' 2>/dev/null || fail "python3-libtorrent is missing (apt-get install -y python3-libtorrent)"
if [ -z "$SHOAL" ]; then
  log "building shoal"
  (cd "$ROOT" && go build -o "$WORK/shoal" ./cmd/shoal) || fail "go build ./cmd/shoal failed"
  SHOAL=$WORK/shoal
fi

# ---------------------------------------------------------------- payload + torrent
mkdir -p "$WORK/payload"
PAYLOAD=$WORK/payload/payload.bin
log "writing $SIZE_B random bytes to $PAYLOAD"
head -c "$SIZE_B" /dev/urandom > "$PAYLOAD"
PAY_SHA=$(sha256sum "$PAYLOAD" | cut -d' ' -f1)
TORRENT=$WORK/payload.torrent
"$SHOAL" create "$PAYLOAD" -o "$TORRENT" --piece-length $((PIECE_KIB * 1024)) > "$WORK/create.log" 2>&1 \
  || { cat "$WORK/create.log" >&2; fail "shoal create failed"; }

# ---------------------------------------------------------------- one transfer
# transfer RUN KIND -> appends "KIND secs anon_seed_kb anon_leech_kb" to $WORK/results
transfer() {
  local r=$1 kind=$2 sp lp sdir ldir t0 t1 ok=1
  sp=$(free_port); lp=$(free_port)
  sdir=$WORK/r$r-$kind-seed; ldir=$WORK/r$r-$kind-get
  mkdir -p "$sdir" "$ldir"
  ln "$PAYLOAD" "$sdir/payload.bin"
  if [ "$DROP" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
  case "$kind" in
    shoal)
      start seed "$sdir" "$SHOAL" seed "$TORRENT" --dir "$sdir" --port "$sp" --bind 127.0.0.1 --quiet
      local prev=x cur
      for _ in $(seq 600); do   # ready: listening, and no CPU used for 0.3 s
        alive "${PID[seed]}" || { cat "$WORK/seed.log" >&2; fail "shoal seed exited"; }
        cur=$(cpu_ticks "${PID[seed]}")
        if listening "$sp" && [ "$cur" = "$prev" ]; then break; fi
        prev=$cur; sleep 0.3
      done ;;
    libtorrent-hp|libtorrent)
      local hp=(); [ "$kind" = libtorrent-hp ] && hp=(--hp)
      start seed "$sdir" "$PY" "$LT" seed --torrent "$TORRENT" --dir "$sdir" --port "$sp" "${hp[@]}" --quiet
      for _ in $(seq 600); do
        grep -q 'lt: ready' "$WORK/seed.log" 2>/dev/null && break
        alive "${PID[seed]}" || { cat "$WORK/seed.log" >&2; fail "libtorrent seeder exited"; }
        sleep 0.1
      done ;;
  esac
  t0=$(now)
  case "$kind" in
    shoal) start get "$ldir" "$SHOAL" get "$TORRENT" -o "$ldir" --port "$lp" --bind 127.0.0.1 \
             --peer "127.0.0.1:$sp" --quiet ;;
    libtorrent-hp) start get "$ldir" "$PY" "$LT" download --torrent "$TORRENT" --dir "$ldir" --port "$lp" \
             --peer "127.0.0.1:$sp" --hp --quiet ;;
    libtorrent) start get "$ldir" "$PY" "$LT" download --torrent "$TORRENT" --dir "$ldir" --port "$lp" \
             --peer "127.0.0.1:$sp" --quiet ;;
  esac
  start mem "$WORK" "$PY" "$HERE/memsample.py" "$WORK/mem.peak" 0.1 "seed=${PID[seed]}" "get=${PID[get]}"
  local pid=${PID[get]} rc=0 deadline
  deadline=$(awk -v a="$t0" -v t="$TIMEOUT" 'BEGIN{printf "%.3f", a+t}')
  while alive "$pid"; do
    if awk -v n="$(now)" -v d="$deadline" 'BEGIN{exit !(n>d)}'; then
      log "run $r $kind: timeout after ${TIMEOUT}s"; ok=0; break
    fi
    sleep 0.01
  done
  t1=$(now)
  if [ "$ok" = 1 ]; then wait "$pid" || rc=$?; unset "PID[get]"; fi
  stop mem; stop get; stop seed
  [ "$rc" = 0 ] || { log "run $r $kind: downloader exited with status $rc"; ok=0; }
  local sha=- secs anon_s anon_g
  [ -f "$ldir/payload.bin" ] && sha=$(sha256sum "$ldir/payload.bin" | cut -d' ' -f1)
  [ "$sha" = "$PAY_SHA" ] || { log "run $r $kind: SHA-256 mismatch"; ok=0; }
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  anon_s=$(awk '$1=="seed"{print $2}' "$WORK/mem.peak"); anon_g=$(awk '$1=="get"{print $2}' "$WORK/mem.peak")
  if [ "$ok" = 1 ]; then
    echo "$kind $secs $anon_s $anon_g" >> "$WORK/results"
    local own; own=$(sed -n 's/^lt: complete after \([0-9.]*\)s.*/  (libtorrent itself: complete after \1 s)/p' "$WORK/get.log")
    printf 'run %d %-14s %7.2f s %8.1f MB/s  peak anon: seeder %6.1f MB, downloader %6.1f MB  sha256 OK%s\n' \
      "$r" "$kind" "$secs" "$(awk -v s="$secs" -v n="$SIZE_B" 'BEGIN{print n/s/1e6}')" \
      "$(awk -v k="$anon_s" 'BEGIN{print k/1024}')" "$(awk -v k="$anon_g" 'BEGIN{print k/1024}')" "$own"
  else
    printf 'run %d %-14s FAILED (logs below)\n' "$r" "$kind"
    for f in seed get; do echo "--- $f log:"; tail -n 20 "$WORK/$f.log"; done
    mkdir -p "$WORK/failed-r$r-$kind"; cp "$WORK"/seed.log "$WORK"/get.log "$WORK/failed-r$r-$kind/" 2>/dev/null || true
  fi
  rm -rf "$sdir" "$ldir"
}

KINDS=(shoal libtorrent-hp)
[ "$LT_DEFAULT" = 1 ] && KINDS+=(libtorrent)
: > "$WORK/results"
echo "== transfer: $SIZE_B bytes, piece $PIECE_KIB KiB, runs $RUNS, loopback 127.0.0.1, $(nproc) cores"
for r in $(seq 1 "$RUNS"); do
  n=${#KINDS[@]}
  for i in $(seq 0 $((n - 1))); do transfer "$r" "${KINDS[$(((i + r - 1) % n))]}"; done
done

median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
echo "== median over successful runs"
declare -A MBPS=()
for k in "${KINDS[@]}"; do
  cnt=$(awk -v k="$k" '$1==k' "$WORK/results" | wc -l)
  if [ "$cnt" = 0 ]; then printf '%-14s no successful run\n' "$k"; continue; fi
  secs=$(awk -v k="$k" '$1==k{print $2}' "$WORK/results" | median)
  MBPS[$k]=$(awk -v s="$secs" -v n="$SIZE_B" 'BEGIN{printf "%.1f", n/s/1e6}')
  as=$(awk -v k="$k" '$1==k{print $3}' "$WORK/results" | median)
  ag=$(awk -v k="$k" '$1==k{print $4}' "$WORK/results" | median)
  printf '%-14s %7.2f s %8s MB/s  peak anon: seeder %6.1f MB, downloader %6.1f MB  (%d/%d runs)\n' \
    "$k" "$secs" "${MBPS[$k]}" "$(awk -v k="$as" 'BEGIN{print k/1024}')" "$(awk -v k="$ag" 'BEGIN{print k/1024}')" "$cnt" "$RUNS"
done
if [ -n "${MBPS[shoal]:-}" ] && [ -n "${MBPS[libtorrent-hp]:-}" ]; then
  printf 'ratio shoal / libtorrent-hp: %.2f (target >= 1.2; peak anon <= 100 MB per peer)\n' \
    "$(awk -v a="${MBPS[shoal]}" -v b="${MBPS[libtorrent-hp]}" 'BEGIN{print a/b}')"
fi
