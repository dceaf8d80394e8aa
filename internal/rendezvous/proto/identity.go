package proto

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// IDLen is the length of an ID in bytes.
const IDLen = 20

// ID names a peer or router: the first 20 bytes of the SHA-256 of its
// Ed25519 public key. Its text form is 40 hex digits.
type ID [IDLen]byte

// String returns the 40 hex digits of id.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 8 hex digits, for logs.
func (id ID) Short() string { return hex.EncodeToString(id[:4]) }

// IsZero reports whether id is all zeros.
func (id ID) IsZero() bool { return id == ID{} }

// Less orders IDs bytewise; it breaks ties between two peers.
func (id ID) Less(o ID) bool { return string(id[:]) < string(o[:]) }

// ParseID parses 40 hex digits.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*IDLen {
		return id, fmt.Errorf("proto: id %q: want %d hex digits", s, 2*IDLen)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("proto: id %q: %w", s, err)
	}
	return id, nil
}

// IDOf derives the ID of a public key.
func IDOf(pub ed25519.PublicKey) ID {
	sum := sha256.Sum256(pub)
	var id ID
	copy(id[:], sum[:IDLen])
	return id
}

// KeyID is the ID of the public half of priv.
func KeyID(priv ed25519.PrivateKey) ID {
	return IDOf(priv.Public().(ed25519.PublicKey))
}

// GenerateKey makes a key pair from random (crypto/rand when nil).
func GenerateKey(random io.Reader) (ed25519.PrivateKey, error) {
	if random == nil {
		random = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, fmt.Errorf("proto: generate key: %w", err)
	}
	return priv, nil
}

const keyFileHeader = "shoal-ed25519-seed "

// LoadOrCreateKey reads the key in path, or makes one and writes it there
// with mode 0600 (creating the folder with mode 0700). The file holds one
// line: "shoal-ed25519-seed " and the 32-byte seed in hex.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return parseKeyFile(path, b)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("proto: key: %w", err)
	}
	priv, err := GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("proto: key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // made by someone else meanwhile
			return LoadOrCreateKey(path)
		}
		return nil, fmt.Errorf("proto: key: %w", err)
	}
	_, werr := fmt.Fprintf(f, "%s%x\n", keyFileHeader, priv.Seed())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("proto: key: %w", werr)
	}
	return priv, nil
}

func parseKeyFile(path string, b []byte) (ed25519.PrivateKey, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), keyFileHeader)
	seed, err := hex.DecodeString(s)
	if !ok || err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("proto: key %s: not a shoal key file", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Signature domains: a signature made for one purpose never verifies for
// another.
const (
	DomainRegister   = "shoal rendezvous register v1"
	DomainRegistered = "shoal rendezvous registered v1"
	DomainLink       = "shoal rendezvous link v1"
)

// domainMessage appends domain, a zero byte and msg to dst.
func domainMessage(dst []byte, domain string, msg []byte) []byte {
	m := append(dst, domain...)
	m = append(m, 0)
	return append(m, msg...)
}

// Sign signs msg under domain.
func Sign(priv ed25519.PrivateKey, domain string, msg []byte) [ed25519.SignatureSize]byte {
	var sig [ed25519.SignatureSize]byte
	var m [128]byte
	copy(sig[:], ed25519.Sign(priv, domainMessage(m[:0], domain, msg)))
	return sig
}

// Verify checks a signature made by Sign.
func Verify(pub ed25519.PublicKey, domain string, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	var m [128]byte
	return ed25519.Verify(pub, domainMessage(m[:0], domain, msg), sig)
}
