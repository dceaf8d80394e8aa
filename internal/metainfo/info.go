package metainfo

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"shoal/internal/bencode"
)

// MaxPieceLength is the largest piece length Parse accepts.
const MaxPieceLength = 256 << 20

// MaxFiles is the largest number of files Parse accepts in one torrent.
const MaxFiles = 1 << 20

// Info is the info dictionary: what the torrent contains.
type Info struct {
	Name        string // file name (single-file) or root folder name (multi-file)
	PieceLength int64
	Pieces      [][20]byte // SHA-1 of each piece
	Private     bool       // BEP 27
	Length      int64      // single-file only
	Files       []File     // multi-file only; nil for a single file
}

// File is one file of the content.
type File struct {
	Path    []string // elements relative to the torrent root; already checked
	Length  int64
	Offset  int64 // byte offset in the concatenated content
	Padding bool  // BEP 47 pad file: all zeros, need not be stored
}

// infoDict is the wire form of the info dictionary.
type infoDict struct {
	Name        string      `bencode:"name"`
	PieceLength int64       `bencode:"piece length"`
	Pieces      []byte      `bencode:"pieces"`
	Private     bool        `bencode:"private,omitempty"`
	Length      *int64      `bencode:"length,omitempty"`
	Files       *[]fileDict `bencode:"files,omitempty"`
}

type fileDict struct {
	Length int64    `bencode:"length"`
	Path   []string `bencode:"path"`
	Attr   string   `bencode:"attr,omitempty"`
}

func parseInfo(b []byte) (Info, error) {
	var d infoDict
	if err := bencode.Unmarshal(b, &d); err != nil {
		return Info{}, fmt.Errorf("metainfo: info: %w", err)
	}
	if d.Pieces == nil {
		return Info{}, errors.New("metainfo: info: no pieces (version 2 only torrents are not supported)")
	}
	info := Info{Name: d.Name, PieceLength: d.PieceLength, Private: d.Private}
	switch {
	case d.Length != nil && d.Files != nil:
		return Info{}, errors.New("metainfo: info: both length and files")
	case d.Length != nil:
		info.Length = *d.Length
	case d.Files != nil:
		if len(*d.Files) == 0 {
			return Info{}, errors.New("metainfo: info: empty file list")
		}
		if len(*d.Files) > MaxFiles {
			return Info{}, fmt.Errorf("metainfo: info: %d files exceed limit of %d", len(*d.Files), MaxFiles)
		}
		info.Files = make([]File, len(*d.Files))
		for i, f := range *d.Files {
			info.Files[i] = File{Path: f.Path, Length: f.Length, Padding: strings.ContainsRune(f.Attr, 'p')}
		}
	default:
		return Info{}, errors.New("metainfo: info: neither length nor files")
	}
	if len(d.Pieces)%20 != 0 {
		return Info{}, fmt.Errorf("metainfo: info: pieces length %d is not a multiple of 20", len(d.Pieces))
	}
	info.Pieces = make([][20]byte, len(d.Pieces)/20)
	for i := range info.Pieces {
		copy(info.Pieces[i][:], d.Pieces[20*i:])
	}
	if err := info.check(); err != nil {
		return Info{}, err
	}
	return info, nil
}

// check validates the info and fills the file offsets.
func (i *Info) check() error {
	if i.Name == "" {
		return errors.New("metainfo: info: empty name")
	}
	if err := checkElement(i.Name); err != nil {
		return fmt.Errorf("metainfo: info: name: %w", err)
	}
	if i.PieceLength <= 0 || i.PieceLength > MaxPieceLength {
		return fmt.Errorf("metainfo: info: piece length %d not in 1..%d", i.PieceLength, MaxPieceLength)
	}
	total := i.Length
	if i.Files == nil {
		if i.Length < 0 {
			return fmt.Errorf("metainfo: info: negative length %d", i.Length)
		}
	} else {
		if i.Length != 0 {
			return errors.New("metainfo: info: both length and files")
		}
		var err error
		if total, err = checkFiles(i.Files); err != nil {
			return err
		}
	}
	if total == 0 {
		return errors.New("metainfo: info: no content (total length 0)")
	}
	want := (total-1)/i.PieceLength + 1
	if int64(len(i.Pieces)) != want {
		return fmt.Errorf("metainfo: info: %d piece hashes for %d bytes in pieces of %d, want %d",
			len(i.Pieces), total, i.PieceLength, want)
	}
	return nil
}

// checkFiles validates a multi-file list, fills offsets and returns the
// total length.
func checkFiles(files []File) (int64, error) {
	var total int64
	seen := make(map[string]bool, len(files)) // joined path -> true for files
	dirs := make(map[string]bool)
	for n := range files {
		f := &files[n]
		if err := checkPath(f.Path); err != nil {
			return 0, fmt.Errorf("metainfo: info: file %d: %w", n, err)
		}
		if f.Length < 0 {
			return 0, fmt.Errorf("metainfo: info: file %d: negative length %d", n, f.Length)
		}
		if f.Length > math.MaxInt64-total {
			return 0, fmt.Errorf("metainfo: info: file %d: total length overflows", n)
		}
		f.Offset = total
		total += f.Length

		key := strings.Join(f.Path, "/")
		if seen[key] {
			return 0, fmt.Errorf("metainfo: info: file %d: duplicate path %q: %w", n, key, ErrUnsafePath)
		}
		if dirs[key] {
			return 0, fmt.Errorf("metainfo: info: file %d: path %q is also a folder: %w", n, key, ErrUnsafePath)
		}
		seen[key] = true
		prefix := f.Path[0]
		for _, e := range f.Path[1:] {
			if seen[prefix] {
				return 0, fmt.Errorf("metainfo: info: file %d: folder %q is also a file: %w", n, prefix, ErrUnsafePath)
			}
			dirs[prefix] = true
			prefix += "/" + e
		}
	}
	return total, nil
}

// Encode returns the bencoded info dictionary. It does not validate.
func (i *Info) Encode() ([]byte, error) {
	d := infoDict{Name: i.Name, PieceLength: i.PieceLength, Private: i.Private}
	d.Pieces = make([]byte, 0, 20*len(i.Pieces))
	for _, p := range i.Pieces {
		d.Pieces = append(d.Pieces, p[:]...)
	}
	if i.Files == nil {
		d.Length = &i.Length
	} else {
		files := make([]fileDict, len(i.Files))
		for n, f := range i.Files {
			files[n] = fileDict{Length: f.Length, Path: f.Path}
			if f.Padding {
				files[n].Attr = "p"
			}
		}
		d.Files = &files
	}
	b, err := bencode.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("metainfo: info: %w", err)
	}
	return b, nil
}

// IsMultiFile reports whether the torrent is a folder of files.
func (i *Info) IsMultiFile() bool { return i.Files != nil }

// TotalLength is the length of the concatenated content.
func (i *Info) TotalLength() int64 {
	if i.Files == nil {
		return i.Length
	}
	var n int64
	for _, f := range i.Files {
		n += f.Length
	}
	return n
}

// NumPieces is the number of pieces.
func (i *Info) NumPieces() int { return len(i.Pieces) }

// PieceSize returns the length of piece p: PieceLength for all pieces but
// the last, which may be shorter; 0 if p is out of range.
func (i *Info) PieceSize(p int) int64 {
	n := i.NumPieces()
	if p < 0 || p >= n {
		return 0
	}
	if p < n-1 {
		return i.PieceLength
	}
	return i.TotalLength() - int64(n-1)*i.PieceLength
}

// FileList returns the files with paths relative to the download folder:
// a single file is {Name}; in a multi-file torrent every path starts with
// Name, the root folder. Offsets are filled in. The result is a fresh copy.
func (i *Info) FileList() []File {
	if i.Files == nil {
		return []File{{Path: []string{i.Name}, Length: i.Length}}
	}
	out := make([]File, len(i.Files))
	var off int64
	for n, f := range i.Files {
		p := make([]string, 0, len(f.Path)+1)
		p = append(p, i.Name)
		p = append(p, f.Path...)
		out[n] = File{Path: p, Length: f.Length, Offset: off, Padding: f.Padding}
		off += f.Length
	}
	return out
}
