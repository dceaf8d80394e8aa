package router

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"time"

	"shoal/internal/rendezvous/proto"
)

// registerRaw registers a raw peer with key k on r.
func registerRaw(t *testing.T, r *Router, k ed25519.PrivateKey) *rawConn {
	t.Helper()
	c, ch := dialRaw(t, r)
	reg := &proto.Register{Purpose: proto.PurposePeer}
	reg.Sign(k, ch)
	proto.WriteFrame(c, reg)
	if got := c.outcome(); got != "registered" {
		t.Fatalf("registration: %s", got)
	}
	return c
}

// readRaw reads one frame of type T from c.
func readRaw[T proto.Frame](t *testing.T, c *rawConn) T {
	t.Helper()
	f, err := readAs[T](c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// openLeg opens a relay leg of k for tok and returns it with the frame
// the router answered the RelayBind with.
func openLeg(t *testing.T, r *Router, k ed25519.PrivateKey, tok proto.Token) (*rawConn, *proto.Register, proto.Frame) {
	t.Helper()
	c, ch := dialRaw(t, r)
	reg := &proto.Register{Purpose: proto.PurposeRelay}
	rand.Read(reg.Nonce[:])
	reg.Sign(k, ch)
	c.Write(proto.AppendFrame(proto.AppendFrame(nil, reg), &proto.RelayBind{Token: tok}))
	f, err := proto.ReadFrame(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, reg, f
}

// TestRelayLegProof relays between two raw peers: each leg gets the
// router's signed Registered for its own Register before any relayed
// byte, and the proof is not counted as relayed.
func TestRelayLegProof(t *testing.T) {
	r := serve(t, Config{Relay: true})
	ka, _ := proto.GenerateKey(nil)
	kb, _ := proto.GenerateKey(nil)
	a := registerRaw(t, r, ka)
	b := registerRaw(t, r, kb)
	proto.WriteFrame(a, &proto.ConnectRequest{Req: 1, Target: proto.KeyID(kb)})
	in := readRaw[*proto.Incoming](t, b)
	proto.WriteFrame(b, &proto.Answer{Token: in.Token, Accept: true})
	if intro := readRaw[*proto.Introduce](t, a); intro.Token != in.Token || !intro.Relay {
		t.Fatalf("introduce %+v", intro)
	}
	readRaw[*proto.Introduce](t, b)

	legs := make([]*rawConn, 2)
	for i, k := range []ed25519.PrivateKey{ka, kb} {
		c, reg, f := openLeg(t, r, k, in.Token)
		proof, ok := f.(*proto.Registered)
		if !ok {
			t.Fatalf("leg %d: got %T, want Registered", i, f)
		}
		if !proof.Verify(reg, r.ID()) {
			t.Errorf("leg %d: proof does not verify", i)
		}
		if proof.Observed != addrPort(c.LocalAddr()) {
			t.Errorf("leg %d: observed %v, want %v", i, proof.Observed, c.LocalAddr())
		}
		legs[i] = c
	}
	for _, dir := range []struct {
		from, to *rawConn
		msg      string
	}{{legs[0], legs[1], "hello"}, {legs[1], legs[0], "world!"}} {
		if _, err := dir.from.Write([]byte(dir.msg)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(dir.msg))
		if _, err := io.ReadFull(dir.to.br, buf); err != nil {
			t.Fatal(err)
		}
		if string(buf) != dir.msg {
			t.Fatalf("relayed %q, want %q", buf, dir.msg)
		}
	}
	const want = int64(len("hello") + len("world!"))
	deadline := time.Now().Add(5 * time.Second)
	for r.Stats().RelayedBytes < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := r.Stats().RelayedBytes; got != want {
		t.Errorf("relayed bytes %d, want %d", got, want)
	}
}

// TestRelayLegUnknownToken: a leg for no pair still gets the proof, then
// the error, so the peer's reader stays in step.
func TestRelayLegUnknownToken(t *testing.T) {
	r := serve(t, Config{Relay: true})
	k, _ := proto.GenerateKey(nil)
	c, reg, f := openLeg(t, r, k, proto.Token{1})
	if proof, ok := f.(*proto.Registered); !ok || !proof.Verify(reg, r.ID()) {
		t.Fatalf("got %T, want a valid Registered", f)
	}
	_, err := readAs[*proto.RelayBind](c.br, nil)
	var e *proto.Error
	if !errors.As(err, &e) || e.Code != proto.CodeNotFound {
		t.Errorf("after the proof: %v, want not found", err)
	}
}
