//go:build race

package testbin

// raceBuild reports whether this program was built with -race.
const raceBuild = true
