// Package cli is shoal's command line: subcommands, flags, progress output
// and the wiring of every other package. cmd/shoal only calls Run.
package cli
