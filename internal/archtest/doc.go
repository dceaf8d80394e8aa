// Package archtest holds a test that keeps the import graph layered:
// codecs at the bottom, the engine above them, the command line on top.
package archtest
