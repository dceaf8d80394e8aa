package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// pythonPath is the interpreter that has python3-libtorrent (Debian installs the
// module for the system Python only).
const pythonPath = "/usr/bin/python3"

// endpoint is where a peer listens.
type endpoint struct {
	ip   string
	port int
}

func (e endpoint) String() string { return hostPort(e.ip, e.port) }

// at reserves a free port on ip.
func (h *harness) at(ip string) endpoint { return endpoint{ip: ip, port: h.freePort(ip)} }

func peerFlags(peers []endpoint) []string {
	var out []string
	for _, p := range peers {
		out = append(out, "--peer", p.String())
	}
	return out
}

// shoalEnv is the environment of shoal peers: a race report ends the process
// at once, so it cannot hide.
func (h *harness) shoalEnv() []string {
	return []string{"GORACE=halt_on_error=1"}
}

// shoalVerbose makes shoal peers log connection-level events (which end up in
// the failure reports).
const shoalVerbose = "--verbose"

// shoalSeed runs `shoal seed` for the data in dir.
func (h *harness) shoalSeed(name, torrent, dir string, at endpoint, peers []endpoint, extra ...string) *proc {
	h.t.Helper()
	argv := []string{shoalBin(h.t), "seed", torrent, "--dir", dir,
		"--port", fmt.Sprint(at.port), "--bind", at.ip, shoalVerbose}
	argv = append(argv, peerFlags(peers)...)
	argv = append(argv, extra...)
	return h.start(name, dir, h.shoalEnv(), argv...)
}

// shoalGet runs `shoal get` into dir; it exits 0 once the download is verified.
func (h *harness) shoalGet(name, torrent, dir string, at endpoint, peers []endpoint, extra ...string) *proc {
	h.t.Helper()
	argv := []string{shoalBin(h.t), "get", torrent, "-o", dir,
		"--port", fmt.Sprint(at.port), "--bind", at.ip, shoalVerbose}
	argv = append(argv, peerFlags(peers)...)
	argv = append(argv, extra...)
	return h.start(name, dir, h.shoalEnv(), argv...)
}

// ltScript is the libtorrent driver next to this file.
func ltScript(h *harness) string {
	p, err := filepath.Abs(filepath.Join("testdata", "lt.py"))
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// libtorrent runs testdata/lt.py in mode "seed" or "download".
func (h *harness) libtorrent(name, mode, torrent, dir string, at endpoint, peers []endpoint, extra ...string) *proc {
	h.t.Helper()
	requireTool(h.t, "libtorrent")
	argv := []string{pythonPath, ltScript(h), mode, "--torrent", torrent, "--dir", dir,
		"--port", fmt.Sprint(at.port), "--bind", at.ip}
	argv = append(argv, peerFlags(peers)...)
	argv = append(argv, extra...)
	return h.start(name, dir, nil, argv...)
}

// ltSeedReady waits until the libtorrent seeder has checked its data.
func (h *harness) ltSeedReady(p *proc) {
	h.t.Helper()
	h.waitFor(p.name+" to finish checking its data", readyTimeout, func() bool {
		return strings.Contains(p.log(), "lt: ready")
	}, p)
}

// aria2 runs aria2c as a seeder ("seed", forever) or downloader ("download",
// exits 0 once complete and verified). aria2 only learns peers from trackers.
// Options in extra come last and override the defaults.
func (h *harness) aria2(name, mode, torrent, dir string, at endpoint, extra ...string) *proc {
	h.t.Helper()
	requireTool(h.t, "aria2c")
	argv := []string{"aria2c", "--dir=" + dir, fmt.Sprintf("--listen-port=%d", at.port),
		"--interface=" + at.ip, "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
		"--enable-peer-exchange=false", "--file-allocation=falloc", "--no-conf=true",
		"--auto-save-interval=0", "--bt-save-metadata=false", "--bt-max-peers=0",
		"--bt-tracker-interval=2", "--summary-interval=1", "--console-log-level=notice"}
	if mode == "seed" {
		argv = append(argv, "--check-integrity=true", "--seed-ratio=0.0")
	} else {
		argv = append(argv, "--seed-time=0")
	}
	argv = append(argv, extra...)
	argv = append(argv, torrent)
	return h.start(name, dir, nil, argv...)
}

// transmission is one transmission-daemon with its own config dir and RPC port.
type transmission struct {
	h    *harness
	p    *proc
	rpc  string
	done string // created by the torrent-done script
}

// transmission starts a daemon bound to at, adds the torrent with the data
// directory dir and, for a seeder, asks for a verify of the data present.
func (h *harness) transmission(name, mode, torrent, dir string, at endpoint) *transmission {
	h.t.Helper()
	requireTool(h.t, "transmission-daemon")
	requireTool(h.t, "transmission-remote")
	cfg := h.mkdir(name + ".cfg")
	tr := &transmission{h: h, rpc: hostPort("127.0.0.1", h.freePort("127.0.0.1")), done: filepath.Join(cfg, "done")}
	script := filepath.Join(cfg, "done.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho done > '"+tr.done+"'\n"), 0o755); err != nil {
		h.t.Fatal(err)
	}
	_, rpcPort, _ := strings.Cut(tr.rpc, ":")
	settings := fmt.Sprintf(`{
  "bind-address-ipv4": %q,
  "bind-address-ipv6": "::1",
  "blocklist-enabled": false,
  "cache-size-mb": 4,
  "dht-enabled": false,
  "download-dir": %q,
  "download-queue-enabled": false,
  "encryption": 1,
  "idle-seeding-limit-enabled": false,
  "incomplete-dir-enabled": false,
  "lpd-enabled": false,
  "message-level": 2,
  "peer-limit-global": 200,
  "peer-limit-per-torrent": 50,
  "peer-port": %d,
  "peer-port-random-on-start": false,
  "pex-enabled": false,
  "port-forwarding-enabled": false,
  "preallocation": 1,
  "queue-stalled-enabled": false,
  "ratio-limit-enabled": false,
  "rename-partial-files": false,
  "rpc-authentication-required": false,
  "rpc-bind-address": "127.0.0.1",
  "rpc-enabled": true,
  "rpc-host-whitelist-enabled": false,
  "rpc-port": %s,
  "rpc-whitelist-enabled": false,
  "script-torrent-done-enabled": true,
  "script-torrent-done-filename": %q,
  "seed-queue-enabled": false,
  "speed-limit-down-enabled": false,
  "speed-limit-up-enabled": false,
  "start-added-torrents": true,
  "trash-original-torrent-files": false,
  "umask": 18,
  "utp-enabled": false,
  "watch-dir-enabled": false
}
`, at.ip, dir, at.port, rpcPort, script)
	if err := os.WriteFile(filepath.Join(cfg, "settings.json"), []byte(settings), 0o644); err != nil {
		h.t.Fatal(err)
	}
	tr.p = h.start(name, cfg, nil, "transmission-daemon", "-f", "-g", cfg)
	h.addDiag(func() string {
		if tr.p.exited() {
			return ""
		}
		info, _ := tr.remote("-t", "all", "-i")
		peers, _ := tr.remote("-t", "all", "-ip")
		return fmt.Sprintf("--- %s torrent status:\n%s\n--- %s peers:\n%s", name, info, name, peers)
	})
	h.waitFor(name+" RPC", readyTimeout, func() bool {
		_, err := tr.remote("-l")
		return err == nil
	}, tr.p)
	if out, err := tr.remote("-a", torrent, "-w", dir); err != nil {
		h.fatalf("%s: adding torrent: %v\n%s", name, err, out)
	}
	if mode == "seed" {
		if out, err := tr.remote("-t", "all", "-v"); err != nil {
			h.fatalf("%s: verify: %v\n%s", name, err, out)
		}
	}
	return tr
}

// remote runs transmission-remote against this daemon.
func (tr *transmission) remote(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "transmission-remote", append([]string{tr.rpc}, args...)...).CombinedOutput()
	return string(out), err
}

// waitDone waits until Transmission has the whole torrent.
func (tr *transmission) waitDone(timeout time.Duration, watch ...*proc) time.Duration {
	tr.h.t.Helper()
	tr.h.waitFor(tr.p.name+" to complete the download", timeout, func() bool {
		_, err := os.Stat(tr.done)
		return err == nil
	}, append(watch, tr.p)...)
	return time.Since(tr.p.started)
}
