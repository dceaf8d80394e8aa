package storage

import (
	"path/filepath"
	"testing"

	"shoal/internal/bt"
)

func TestSessionTorrents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resume.db")
	r, err := OpenResume(path, ResumeOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	a := SavedTorrent{InfoHash: bt.InfoHash{1}, Torrent: []byte("d4:infodee")}
	b := SavedTorrent{InfoHash: bt.InfoHash{2}, Torrent: []byte("d4:infodee"), Paused: true}
	for _, s := range []SavedTorrent{a, b} {
		if err := r.SaveTorrent(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SaveTorrent(SavedTorrent{InfoHash: bt.InfoHash{3}}); err == nil {
		t.Fatal("empty torrent saved")
	}
	if err := r.SetPaused(a.InfoHash, true); err != nil {
		t.Fatal(err)
	}
	if err := r.SetPaused(bt.InfoHash{9}, true); err == nil {
		t.Fatal("pausing an unknown torrent succeeded")
	}
	r.Close()
	r, err = OpenResume(path, ResumeOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.SavedTorrents()
	if err != nil || len(got) != 2 || !got[0].Paused || !got[1].Paused || string(got[0].Torrent) != "d4:infodee" {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	if err := r.ForgetTorrent(a.InfoHash); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.SavedTorrents(); len(got) != 1 || got[0].InfoHash != b.InfoHash {
		t.Fatalf("after forgetting: %+v", got)
	}
}
