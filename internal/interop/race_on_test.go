//go:build race

package interop

// raceBuild reports whether this test binary was built with -race.
const raceBuild = true
