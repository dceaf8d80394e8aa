// Package create builds the metainfo (.torrent) of BEP 3 for a file or a
// folder on disk: it lists the files, chooses a piece length, and hashes the
// pieces with SHA-1 on all cores. Trackers become the announce key and, when
// there are several, a BEP 12 announce-list with one tier each; the private
// flag is that of BEP 27; web seeds are written as the url-list of BEP 19.
//
// A folder is walked recursively. Only regular files are included, in the
// order of their paths compared element by element (the order of
// filepath.WalkDir); symbolic links, devices, sockets and pipes inside the
// folder are skipped, so links are never followed. The path given to Create
// itself is resolved even if it is a link.
//
// Hashing splits the pieces into batches of about 4 MiB that workers claim
// in order; each worker reads whole pieces, which may span files, with
// ReadAt into its own reused buffer of one piece length.
package create
