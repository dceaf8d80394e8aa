package bitfield

import (
	"errors"
	"testing"
)

func TestSetHasCount(t *testing.T) {
	f := New(10)
	if f.Count() != 0 || f.Full() {
		t.Fatal("new bitfield not empty")
	}
	for _, i := range []int{0, 3, 9, 9} {
		f.Set(i)
	}
	if f.Count() != 3 || !f.Has(0) || !f.Has(9) || f.Has(1) || f.Has(10) || f.Has(-1) {
		t.Fatalf("unexpected state %08b count %d", f.Bytes(), f.Count())
	}
	if got := f.Bytes(); got[0] != 0x90 || got[1] != 0x40 {
		t.Fatalf("wire form %08b", got)
	}
	f.Clear(0)
	if f.Count() != 2 || f.Has(0) {
		t.Fatal("clear failed")
	}
	f.SetAll()
	if !f.Full() || f.Bytes()[1] != 0xc0 {
		t.Fatalf("SetAll: %08b", f.Bytes())
	}
}

func TestFromBytes(t *testing.T) {
	if _, err := FromBytes([]byte{0xff, 0xc0}, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := FromBytes([]byte{0xff, 0xe0}, 10); !errors.Is(err, ErrSpareBits) {
		t.Fatalf("spare bits: %v", err)
	}
	if _, err := FromBytes([]byte{0xff}, 10); !errors.Is(err, ErrLength) {
		t.Fatalf("length: %v", err)
	}
	f, _ := FromBytes([]byte{0xa0}, 3)
	if f.Count() != 2 {
		t.Fatalf("count %d", f.Count())
	}
}
