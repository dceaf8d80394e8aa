package proto

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Error("second load gave another key")
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err == nil {
		t.Error("garbage key file accepted")
	}
}

func TestIDText(t *testing.T) {
	k, _ := GenerateKey(nil)
	id := KeyID(k)
	if len(id.String()) != 40 {
		t.Fatalf("id text %q", id)
	}
	back, err := ParseID(id.String())
	if err != nil || back != id {
		t.Fatalf("ParseID: %v %v", back, err)
	}
	for _, bad := range []string{"", "xyz", id.String()[:39], id.String() + "0", "zz" + id.String()[2:]} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestSignDomains(t *testing.T) {
	k, _ := GenerateKey(nil)
	pub := k.Public().(ed25519.PublicKey)
	sig := Sign(k, DomainRegister, []byte("m"))
	if !Verify(pub, DomainRegister, []byte("m"), sig[:]) {
		t.Fatal("valid signature refused")
	}
	if Verify(pub, DomainLink, []byte("m"), sig[:]) {
		t.Error("signature verified under another domain")
	}
	if Verify(pub, DomainRegister, []byte("n"), sig[:]) {
		t.Error("signature verified for another message")
	}
	if Verify(pub[:5], DomainRegister, []byte("m"), sig[:]) {
		t.Error("short key accepted")
	}
}

func TestRegisterVerify(t *testing.T) {
	k, _ := GenerateKey(nil)
	other, _ := GenerateKey(nil)
	c := &Challenge{Nonce: [32]byte{1}, Cluster: "a"}
	r := &Register{Purpose: PurposePeer}
	r.Sign(k, c)
	if id, ok := r.Verify(c); !ok || id != KeyID(k) {
		t.Fatal("valid registration refused")
	}
	c2 := *c
	c2.Nonce[0] = 2
	if _, ok := r.Verify(&c2); ok {
		t.Error("signature for another nonce accepted")
	}
	r2 := *r
	copy(r2.PublicKey[:], other.Public().(ed25519.PublicKey))
	if _, ok := r2.Verify(c); ok {
		t.Error("someone else's public key accepted")
	}
	r3 := *r
	r3.Purpose = PurposeRelay
	if _, ok := r3.Verify(c); ok {
		t.Error("signature reused for another purpose")
	}
}

func TestLinkHello(t *testing.T) {
	a, _ := GenerateKey(nil)
	b, _ := GenerateKey(nil)
	tok := Token{1}
	h := NewLinkHello(a, tok, KeyID(b))
	if !h.Verify(tok, KeyID(a), KeyID(b)) {
		t.Fatal("valid hello refused")
	}
	if h.Verify(Token{2}, KeyID(a), KeyID(b)) || h.Verify(tok, KeyID(b), KeyID(a)) || h.Verify(tok, KeyID(a), KeyID(a)) {
		t.Error("hello verified in the wrong context")
	}
}

func TestRegisteredVerify(t *testing.T) {
	router, _ := GenerateKey(nil)
	other, _ := GenerateKey(nil)
	peer, _ := GenerateKey(nil)
	c := &Challenge{Nonce: [32]byte{1}, Cluster: "a"}
	r := &Register{Purpose: PurposePeer, Nonce: [32]byte{5}}
	r.Sign(peer, c)
	f := &Registered{Cluster: "a"}
	f.Sign(router, r)
	if !f.Verify(r, KeyID(router)) {
		t.Fatal("valid registered refused")
	}
	if f.Verify(r, KeyID(other)) {
		t.Error("verified for another router")
	}
	r2 := *r
	r2.Nonce[0] = 6
	if f.Verify(&r2, KeyID(router)) {
		t.Error("verified for another nonce")
	}
	g := &Registered{Cluster: "a"}
	g.Sign(other, r)
	g.Router = KeyID(router)
	if g.Verify(r, KeyID(router)) {
		t.Error("another router's signature accepted")
	}
}
