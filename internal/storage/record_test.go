package storage

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"shoal/internal/bitfield"
)

func sampleRecords() [][]byte {
	h := bitfield.New(13)
	h.Set(0)
	h.Set(12)
	full := bitfield.New(8)
	full.SetAll()
	mt := time.Unix(1700000000, 123456789)
	return [][]byte{
		appendRecord(nil, bitfield.New(0), nil),
		appendRecord(nil, h, []FileStamp{{Size: 10, ModTime: mt}, {Size: -1}, {Size: 0, ModTime: mt.Add(time.Nanosecond)}}),
		appendRecord(nil, full, []FileStamp{{Size: 1 << 40, ModTime: mt}}),
	}
}

func TestRecordRoundTrip(t *testing.T) {
	h := bitfield.New(13)
	h.Set(3)
	files := []FileStamp{{Size: 10, ModTime: time.Unix(5, 6)}, {Size: -1}, {Size: 0, ModTime: time.Unix(-5, 0)}}
	st, err := parseRecord(appendRecord(nil, h, files))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.Have.Bytes(), h.Bytes()) || st.Have.Len() != 13 {
		t.Fatalf("have = %x/%d", st.Have.Bytes(), st.Have.Len())
	}
	if !sameStamps(st.Files, files) {
		t.Fatalf("files = %v, want %v", st.Files, files)
	}
}

func TestRecordTruncatedPrefixesFail(t *testing.T) {
	for _, rec := range sampleRecords() {
		for n := range len(rec) {
			if _, err := parseRecord(rec[:n]); !errors.Is(err, ErrBadResume) {
				t.Fatalf("prefix %d of %x: err = %v, want ErrBadResume", n, rec, err)
			}
		}
		if _, err := parseRecord(append(rec, 0)); !errors.Is(err, ErrBadResume) {
			t.Fatalf("trailing byte accepted")
		}
	}
}

func TestRecordRejects(t *testing.T) {
	tests := map[string][]byte{
		"version":       {2, 0, 0},
		"spare bits":    {1, 1, 0x40, 0},
		"huge pieces":   {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge files":    {1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"size below -1": {1, 0, 1, 3, 0},
		"overlong":      {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	}
	for name, b := range tests {
		if _, err := parseRecord(b); !errors.Is(err, ErrBadResume) {
			t.Errorf("%s: err = %v, want ErrBadResume", name, err)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, rec := range sampleRecords() {
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseRecord(b)
		if err != nil {
			if !errors.Is(err, ErrBadResume) {
				t.Fatalf("error %v does not match ErrBadResume", err)
			}
			return
		}
		again, err := parseRecord(appendRecord(nil, st.Have, st.Files))
		if err != nil {
			t.Fatalf("re-encoded record fails: %v", err)
		}
		if !bytes.Equal(again.Have.Bytes(), st.Have.Bytes()) || again.Have.Len() != st.Have.Len() || !sameStamps(again.Files, st.Files) {
			t.Fatal("round trip changed the record")
		}
	})
}
