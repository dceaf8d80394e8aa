// Package scaletest holds end-to-end tests of a tracker scaled out over
// several processes: trackers that share one Redis database (shoal tracker
// --store redis://HOST:PORT/N) must serve one swarm view, so that a peer
// announcing to one of them is handed out by the others and scrapes (BEP 48)
// agree.
//
// The tests start a real redis-server on 127.0.0.1 with nothing kept on disk,
// two tracker servers in the test process, and two or three shoal tracker
// processes built from cmd/shoal. Announces go over HTTP (BEP 3, BEP 23) and
// UDP (BEP 15). Without redis-server the tests skip, except when the
// environment variable CI is "true": then they fail (.ci/run installs the
// Debian package redis-server).
//
// The restart test needs no Redis: a shoal tracker process keeping its state
// in a --data folder (bbolt) is killed with SIGKILL and started again on the
// same folder, and must serve the same swarms.
package scaletest
