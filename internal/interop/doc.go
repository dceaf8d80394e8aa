// Package interop holds end-to-end tests that run the shoal binary against real
// BitTorrent clients on the loopback interface: libtorrent-rasterbar (through the
// Python driver in testdata/lt.py), Transmission (transmission-daemon driven by
// transmission-remote) and aria2 (aria2c), plus swarms made only of shoal peers.
//
// The tests build cmd/shoal once, start every client as its own process group,
// give each test its own ports, directories and tracker, and compare the SHA-256
// of every received file with its source. Nothing is left running when a test
// ends.
//
// Clients that are not installed make the tests skip, except when the
// environment variable CI is "true": then a missing client is a failure. The
// Debian packages are python3-libtorrent, transmission-daemon, transmission-cli,
// aria2, mktorrent and opentracker (see .ci/run).
//
// Environment knobs:
//
//	SHOAL_BIN               use this shoal binary instead of building cmd/shoal
//	SHOAL_INTEROP_TRACKER   "shoal" (default) or "opentracker"
//	SHOAL_TEST_RACE         "1" or "0": build shoal with or without -race
//	                        (default: like the test binary itself)
//	SHOAL_INTEROP_LOGS      non-empty: log every process's output tail, also on success
//	SHOAL_INTEROP_TAIL      lines of each process's log shown in reports (default 25)
//
// The protocol surface exercised is BEP 3 (peer wire, metainfo, HTTP tracker),
// BEP 6 and BEP 10 as negotiated by the other clients, BEP 23 compact peer
// lists and BEP 15 (UDP tracker): in the tracker tests the peers learn of each
// other only from the tracker, over HTTP or UDP, and the tracker is asked
// afterwards whom it lists.
package interop
