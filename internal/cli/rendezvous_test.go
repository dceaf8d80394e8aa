package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestGetThroughRouter: shoal seed and shoal get register with a router
// (in this process, on loopback) and the downloader finds the seeder by
// its rendezvous ID alone (--peer rdv:ID).
func TestGetThroughRouter(t *testing.T) {
	dir := t.TempDir()
	key, err := proto.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := router.New(router.Config{Key: key, Cluster: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rctx, stopRouter := context.WithCancel(context.Background())
	routerDone := make(chan struct{})
	go func() {
		defer close(routerDone)
		r.Serve(rctx, ln)
	}()
	defer func() { stopRouter(); <-routerDone }()

	data := make([]byte, 1<<20+5)
	rand.Read(data)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "f.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	torrent := filepath.Join(dir, "f.torrent")
	if code, _, errs := runCLI(t, "create", filepath.Join(dir, "data", "f.bin"), "-o", torrent, "--quiet"); code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}

	common := []string{"--bind", "127.0.0.1", "--port", "0", "--quiet"}
	sctx, stopSeed := context.WithCancel(context.Background())
	var seedOut, seedErr syncBuffer
	seedDone := make(chan int, 1)
	go func() {
		args := append([]string{"seed", torrent, "--dir", filepath.Join(dir, "data"),
			"--router", ln.Addr().String(), "--key", filepath.Join(dir, "seed.key")}, common...)
		seedDone <- Run(sctx, args, strings.NewReader(""), &seedOut, &seedErr)
	}()
	defer func() { stopSeed(); <-seedDone }()
	idLine := regexp.MustCompile(`rendezvous: peer ([0-9a-f]{40}) registered`)
	var id string
	for deadline := time.Now().Add(10 * time.Second); id == ""; time.Sleep(10 * time.Millisecond) {
		if m := idLine.FindStringSubmatch(seedOut.String()); m != nil {
			id = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("seeder did not register: %s%s", seedOut.String(), seedErr.String())
		}
	}

	code, out, errs := runCLI(t, append([]string{"get", torrent, "-o", filepath.Join(dir, "got"),
		"--router", r.ID().String() + "@" + ln.Addr().String(), "--key", filepath.Join(dir, "get.key"),
		"--peer", "rdv:" + id}, common...)...)
	if code != 0 {
		t.Fatalf("get: exit %d: %s%s\nseeder: %s%s", code, out, errs, seedOut.String(), seedErr.String())
	}
	got, err := os.ReadFile(filepath.Join(dir, "got", "f.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file differs (%v)", err)
	}
}

func TestRendezvousUsage(t *testing.T) {
	id := strings.Repeat("ab", 20)
	for _, args := range [][]string{
		{"get", "a.torrent", "--peer", "rdv:xyz"},
		{"get", "a.torrent", "--peer", "rdv:" + id[:38]},
		{"get", "a.torrent", "--router", "nonsense@127.0.0.1:1"},
		{"get", "a.torrent", "--router", id + "@127.0.0.1"},
	} {
		if code, _, errb := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errb)
		}
	}
}

func TestParseRouter(t *testing.T) {
	id := strings.Repeat("AB", 20)
	tests := []struct {
		in, addr, contact string
		ok                bool
	}{
		{"198.18.0.10:7000", "198.18.0.10:7000", "", true},
		{id + "@198.18.0.10:7000", "198.18.0.10:7000", strings.ToLower(id) + "@198.18.0.10:7000", true},
		{id + "@[2001:db8::1]:7000", "[2001:db8::1]:7000", strings.ToLower(id) + "@[2001:db8::1]:7000", true},
		{"router.example:7000", "router.example:7000", "", true},
		{"198.18.0.10", "", "", false},
		{id + "@", "", "", false},
		{"xx@198.18.0.10:7000", "", "", false},
	}
	for _, tt := range tests {
		addr, contact, err := parseRouter(tt.in)
		if (err == nil) != tt.ok || addr != tt.addr || contact != tt.contact {
			t.Errorf("parseRouter(%q) = %q, %q, %v", tt.in, addr, contact, err)
		}
	}
}
