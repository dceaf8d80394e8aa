package metainfo_test

import (
	"fmt"

	"shoal/internal/metainfo"
)

func ExampleParseMagnet() {
	m, err := metainfo.ParseMagnet("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK" +
		"&dn=Big+Buck+Bunny&tr=udp%3A%2F%2Ftracker.example%3A6969&x.pe=10.0.0.2:6881")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.InfoHash)
	fmt.Println(m.Name)
	fmt.Println(m.Trackers, m.Peers)
	fmt.Println(m)
	// Output:
	// c12fe1c06bba254a9dc9f519b335aa7c1367a88a
	// Big Buck Bunny
	// [udp://tracker.example:6969] [10.0.0.2:6881]
	// magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Big+Buck+Bunny&tr=udp%3A%2F%2Ftracker.example%3A6969&x.pe=10.0.0.2%3A6881
}

func ExampleSafeJoin() {
	p, err := metainfo.SafeJoin("/downloads", []string{"album", "01.flac"})
	fmt.Println(p, err)
	_, err = metainfo.SafeJoin("/downloads", []string{"..", "etc", "passwd"})
	fmt.Println(err)
	// Output:
	// /downloads/album/01.flac <nil>
	// metainfo: path element "..": unsafe path
}
