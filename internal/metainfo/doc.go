// Package metainfo reads and writes .torrent files and magnet links.
//
// It implements the metainfo file of BEP 3 (single- and multi-file
// torrents), announce-list tiers (BEP 12), the magnet URI format of BEP 9
// (hex and base32 info hashes, dn, tr and x.pe parameters), web seed lists
// (BEP 19 url-list, kept but not used here), the private flag (BEP 27) and
// recognises pad files (BEP 47). Only version 1 torrents are supported; the
// version 1 part of a hybrid torrent is used.
//
// The package works on byte slices and strings only: it does no network or
// file access. Torrents come from untrusted sources, so Parse checks every
// field, bounds the input to MaxTorrentSize, and rejects file names that
// could escape the download directory (see ErrUnsafePath and SafeJoin).
//
// Terms: the info dictionary describes the content; its SHA-1 is the info
// hash that names the torrent. The content is the concatenation of all
// files in order, cut into pieces of PieceLength bytes (the last one may be
// shorter), each with a SHA-1 hash in Pieces.
package metainfo
