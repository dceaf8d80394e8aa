package metainfo

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrUnsafePath is wrapped by every error about a file name that could
// escape the download directory or is not portable.
var ErrUnsafePath = errors.New("unsafe path")

// checkElement reports why a single path element (a file or folder name)
// from a torrent is unsafe, or nil.
func checkElement(e string) error {
	switch e {
	case "":
		return fmt.Errorf("empty path element: %w", ErrUnsafePath)
	case ".", "..":
		return fmt.Errorf("path element %q: %w", e, ErrUnsafePath)
	}
	if len(e) >= 2 && e[1] == ':' && isASCIILetter(e[0]) {
		return fmt.Errorf("path element %q is a drive: %w", e, ErrUnsafePath)
	}
	for i := 0; i < len(e); i++ {
		switch c := e[i]; {
		case c == '/' || c == '\\':
			return fmt.Errorf("path element %q contains a separator: %w", e, ErrUnsafePath)
		case c == 0:
			return fmt.Errorf("path element %q contains NUL: %w", e, ErrUnsafePath)
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("path element %q contains a control character: %w", e, ErrUnsafePath)
		}
	}
	return nil
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// checkPath checks every element of a file path.
func checkPath(elems []string) error {
	if len(elems) == 0 {
		return fmt.Errorf("empty path: %w", ErrUnsafePath)
	}
	for _, e := range elems {
		if err := checkElement(e); err != nil {
			return err
		}
	}
	return nil
}

// SafeJoin joins path elements from a torrent (such as File.Path from
// FileList) under root with the separator of the host system. Every element
// must pass the checks of Parse, and the joined path must be lexically
// local (filepath.IsLocal, which on Windows also rules out reserved names
// such as NUL), so the result always names a location strictly under root.
//
// SafeJoin is lexical only: it does not look at the file system, so it
// cannot tell whether a folder under root is a symbolic link pointing
// elsewhere. Code that opens the result should not follow links, for example
// by opening files through os.Root.
func SafeJoin(root string, elems []string) (string, error) {
	if err := checkPath(elems); err != nil {
		return "", fmt.Errorf("metainfo: %w", err)
	}
	rel := filepath.Join(elems...)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("metainfo: path %q is not local: %w", strings.Join(elems, "/"), ErrUnsafePath)
	}
	return filepath.Join(root, rel), nil
}
