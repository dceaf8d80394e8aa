package loadgen

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckHTTPAnnounce(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		peers   int
		failure string
		err     error
	}{
		{"compact", "d8:completei1e10:incompletei2e8:intervali1800e5:peers12:abcdefghijkle", 2, "", nil},
		{"peers6 too", "d5:peers6:abcdef6:peers618:abcdefghijklmnopqre", 2, "", nil},
		{"dict list", "d5:peersld2:ip9:127.0.0.14:porti1eed2:ip3:::14:porti2eeee", 2, "", nil},
		{"empty", "d5:peers0:e", 0, "", nil},
		{"failure", "d14:failure reason9:not todaye", 0, "not today", nil},
		{"no peers", "d8:intervali1ee", 0, "", errNoPeers},
		{"odd compact", "d5:peers5:abcdee", 0, "", errBencode},
		{"trailing", "d5:peers0:ee", 0, "", errBencode},
		{"not a dict", "l5:peers0:e", 0, "", errBencode},
		{"bad int", "d1:ai-e5:peers0:e", 0, "", errBencode},
		{"long string", "d5:peers99:abce", 0, "", errBencode},
		{"deep", "d1:a" + strings.Repeat("l", 40) + strings.Repeat("e", 40) + "5:peers0:e", 0, "", errBencode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := checkHTTPAnnounce([]byte(tt.body))
			var te *TrackerError
			switch {
			case tt.failure != "":
				if !errors.As(err, &te) || te.Reason != tt.failure {
					t.Fatalf("err = %v, want failure %q", err, tt.failure)
				}
			case tt.err != nil:
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			case n != tt.peers:
				t.Errorf("peers = %d, want %d", n, tt.peers)
			}
		})
	}
}

func TestCheckHTTPAnnounceTruncated(t *testing.T) {
	full := "d8:completei1e10:incompletei2e8:intervali1800e5:peers12:abcdefghijkl6:peers60:e"
	for n := range len(full) {
		if _, err := checkHTTPAnnounce([]byte(full[:n])); err == nil {
			t.Errorf("prefix %q accepted", full[:n])
		}
	}
}

func FuzzCheckHTTPAnnounce(f *testing.F) {
	f.Add([]byte("d8:completei1e10:incompletei2e8:intervali1800e5:peers12:abcdefghijkle"))
	f.Add([]byte("d14:failure reason9:not todaye"))
	f.Add([]byte("d5:peersld2:ip9:127.0.0.14:porti1eeee"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := checkHTTPAnnounce(body)
		if err == nil && (n < 0 || n > len(body)) {
			t.Fatalf("%d peers in %d bytes", n, len(body))
		}
	})
}
