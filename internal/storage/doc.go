// Package storage maps the pieces of a torrent onto files on disk, hashes
// pieces, and keeps resume state.
//
// # Terms
//
// A Layout is the plain data of a torrent's files: a piece length, the files
// in order with their relative paths and lengths, and one SHA-1 per piece
// (BEP 3). The torrent is one byte sequence; piece i covers
// [i*PieceLength, min((i+1)*PieceLength, total)), and file j covers the bytes
// after the files before it, so a piece may span many files, and zero-length
// files take no bytes at all.
//
// A Store is that byte sequence under a root directory. It does positioned
// reads and writes (ReadAt, WriteAt) at torrent-global offsets, writes whole
// pieces, verifies pieces against their hashes, and re-checks all pieces in
// parallel. All file access goes through an os.Root, so no path, symbolic
// link or later change to the tree can make the Store touch a file outside
// the root; paths are also required to be local and clean up front.
//
// A Resume is a bbolt database holding, per info hash, the verified pieces
// and a stamp (size and modification time) of every file. Startup uses it to
// skip the full check when nothing changed on disk since the last run.
//
// # Why the resume state can be trusted
//
// The invariant: a piece is in the saved bitfield only if its bytes were
// verified by SHA-1 and written to the file before it was recorded. The
// caller verifies, writes, and only then calls MarkVerified; marks gather in
// memory and a background flush records them at most every FlushInterval
// (one second), so finishing a piece costs no fsync. A flush snapshots the
// marks, then syncs the files written since the previous flush, then stamps
// them, then commits everything in one transaction. Every marked piece was
// written before its mark, so before the snapshot, so its file was flagged
// as written before the flush consumed the flags (the flag is set after a
// write completes), so its bytes are synced before the commit makes the
// mark durable.
//
// Consider kill -9 at any moment:
//
//   - Pieces recorded before the kill are on disk: their bytes reached the
//     page cache before the record, and the page cache belongs to the
//     kernel, not the process. (With the fsync above they are on the device
//     too, so a power loss keeps them as well, unless ResumeOptions.NoSync.)
//   - Pieces written but not yet recorded are missing from the bitfield, not
//     wrongly present. Writing them changed the files' modification times
//     after the last stamps were taken, so on restart the stamps do not match
//     and Startup runs a full check, which finds them. If a filesystem's
//     clock granularity hid the change, the saved bitfield is still a subset
//     of the truth and those pieces are merely downloaded again.
//   - A piece half-written at the kill was never marked; its hash fails in
//     the check.
//   - A kill during a flush leaves the previous record (bbolt transactions
//     are atomic), which is older and so again a subset of the truth.
//
// Changes made behind shoal's back (a file edited, truncated, replaced or
// deleted while it was not running) change size or modification time, so
// they force a full check too. The check stamps the files before reading
// them, so a change during the check is caught on the next start.
//
// For this to hold, the engine must never write into a piece once it is
// verified (drop late duplicate blocks), and must call Resume.Untrack (or
// Flush) after its last write and before Store.Close, so that a clean
// shutdown leaves matching stamps and the next start is fast.
//
// Storage implements the piece and file model of BEP 3 (multi-file mode
// included); BEP 47 padding files are ordinary files here.
package storage
