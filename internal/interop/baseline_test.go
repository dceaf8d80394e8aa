package interop

import "testing"

// TestHarnessBaseline runs the other clients against each other, without a
// shoal peer (the tracker may be shoal's). When a shoal test fails and this one
// passes, the fault is on shoal's side rather than in the harness or the
// environment.
func TestHarnessBaseline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		seeder, leecher string
	}{
		{"LibtorrentToAria2", kindLibtorrent, kindAria2},
		{"Aria2ToLibtorrent", kindAria2, kindLibtorrent},
		{"LibtorrentToTransmission", kindLibtorrent, kindTransmission},
		{"TransmissionToLibtorrent", kindTransmission, kindLibtorrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runTransfer(t, transferCase{seeder: c.seeder, leecher: c.leecher, size: 4*mib + 17, maker: "mktorrent"})
		})
	}
}
