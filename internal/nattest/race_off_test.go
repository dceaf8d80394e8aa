//go:build !race

package nattest

// raceBuild reports whether this test binary was built with -race.
const raceBuild = false
