// Package testbin builds the shoal command once per test process, for the
// tests that run it as a separate program (real-client interop, tracker
// processes, NATed clusters). It implements no protocol.
//
// Environment:
//
//	SHOAL_BIN         use this binary instead of building one
//	SHOAL_TEST_RACE   "1" or "0": build with or without -race (default: like
//	                  the test binary)
package testbin
