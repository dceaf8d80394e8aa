package ringlab

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"shoal/internal/bitfield"
)

// SummaryName is the file in a peer's folder that lists the chunks it has.
const SummaryName = "summary.txt"

// ChunksDir is the folder in a peer's folder that holds one file per chunk
// when chunk files are on.
const ChunksDir = "chunks"

// PeerDir returns the folder of peer i under a ring's folder: DIR/peerI.
func PeerDir(dir string, i int) string {
	return filepath.Join(dir, "peer"+strconv.Itoa(i))
}

// FormatSummary returns the summary file of a node with the chunks in
// have: a comment line, then the id of each chunk it has, one a line, in
// increasing order.
func FormatSummary(self Node, have *bitfield.Bitfield) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %v: %d of %d chunks\n", self, have.Count(), have.Len())
	for i := range have.Len() {
		if have.Has(i) {
			b.WriteString(strconv.Itoa(i))
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// writeSummary replaces the summary file at path in one step.
func writeSummary(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("ringlab: summary: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("ringlab: summary: %w", err)
	}
	return nil
}

// ChunkFileName returns the name of chunk c's file in a file of numChunks
// chunks: the id in decimal, zero-padded to at least four digits so that
// the names sort in order.
func ChunkFileName(c, numChunks int) string {
	width := max(4, len(strconv.Itoa(max(numChunks-1, 0))))
	return fmt.Sprintf("%0*d", width, c)
}

// FileSHA256 returns the SHA-256 of the file at path.
func FileSHA256(path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("ringlab: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, fmt.Errorf("ringlab: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
