package interop

import "testing"

// Each client, both directions, on torrents made by `shoal create`.

func TestLibtorrent(t *testing.T) {
	t.Parallel()
	t.Run("ShoalSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindShoal, leecher: kindLibtorrent, size: 32 * mib})
	})
	t.Run("LibtorrentSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindLibtorrent, leecher: kindShoal, size: 32*mib + 5555})
	})
}

func TestTransmission(t *testing.T) {
	t.Parallel()
	t.Run("ShoalSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindShoal, leecher: kindTransmission, size: 8 * mib})
	})
	t.Run("TransmissionSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindTransmission, leecher: kindShoal, size: 8*mib + 4321})
	})
}

func TestAria2(t *testing.T) {
	t.Parallel()
	t.Run("ShoalSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindShoal, leecher: kindAria2, size: 16 * mib})
	})
	t.Run("Aria2Seeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindAria2, leecher: kindShoal, size: 16*mib + 999})
	})
}

// TestMktorrentAccepted: shoal downloads, from a libtorrent seeder, a torrent
// made by mktorrent (with a tracker in it, which shoal also announces to).
func TestMktorrentAccepted(t *testing.T) {
	t.Parallel()
	runTransfer(t, transferCase{seeder: kindLibtorrent, leecher: kindShoal, size: 12*mib + 1, maker: "mktorrent",
		pieceLength: 64 * kib})
}

// TestMultiFileNested: a multi-file torrent with nested folders, both ways
// with libtorrent.
func TestMultiFileNested(t *testing.T) {
	t.Parallel()
	t.Run("ShoalSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindShoal, leecher: kindLibtorrent, tree: true, pieceLength: 256 * kib})
	})
	t.Run("LibtorrentSeeds", func(t *testing.T) {
		t.Parallel()
		runTransfer(t, transferCase{seeder: kindLibtorrent, leecher: kindShoal, tree: true, pieceLength: 64 * kib})
	})
}
