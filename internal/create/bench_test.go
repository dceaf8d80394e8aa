package create

import (
	"crypto/sha1"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkCreate1GiB hashes a 1 GiB file on all cores. The file is sparse,
// so after the first pass it is read from memory and the benchmark measures
// hashing; compare its MB/s with BenchmarkSHA1 times the number of cores.
func BenchmarkCreate1GiB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1 << 30)
	b.ReportMetric(float64(runtime.NumCPU()), "cores")
	for b.Loop() {
		if _, err := Create(b.Context(), path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA1 is the single-core SHA-1 speed on 1 MiB pieces.
func BenchmarkSHA1(b *testing.B) {
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		_ = sha1.Sum(buf)
	}
}
