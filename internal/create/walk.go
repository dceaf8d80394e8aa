package create

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"shoal/internal/metainfo"
)

// diskFile is one file of the content as found on disk.
type diskFile struct {
	path   string   // on disk
	elems  []string // path elements relative to the root folder
	length int64
	offset int64 // in the concatenated content
}

// list returns the torrent name and its files. For a single file, elems is
// nil.
func list(root string) (name string, files []diskFile, err error) {
	root = filepath.Clean(root)
	st, err := os.Stat(root)
	if err != nil {
		return "", nil, fmt.Errorf("create: %w", err)
	}
	name = filepath.Base(root)
	if abs, err := filepath.Abs(root); err == nil {
		name = filepath.Base(abs) // so that "." names the folder
	}
	if _, err := metainfo.SafeJoin("", []string{name}); err != nil {
		return "", nil, fmt.Errorf("create: name of %s: %w", root, err)
	}
	switch {
	case st.Mode().IsRegular():
		if st.Size() == 0 {
			return "", nil, fmt.Errorf("create: %s is empty", root)
		}
		return name, []diskFile{{path: root, length: st.Size()}}, nil
	case st.IsDir():
		files, err := walk(root)
		if err != nil {
			return "", nil, err
		}
		return name, files, nil
	default:
		return "", nil, fmt.Errorf("create: %s is neither a regular file nor a folder", root)
	}
}

// walk lists the regular files under root, skipping everything else.
func walk(root string) ([]diskFile, error) {
	var files []diskFile
	var total int64
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.Type().IsRegular() {
			return nil // folders are walked into; links and special files skipped
		}
		info, err := de.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		elems := strings.Split(filepath.ToSlash(rel), "/")
		if _, err := metainfo.SafeJoin("", elems); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files = append(files, diskFile{path: p, elems: elems, length: info.Size()})
		total += info.Size()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("create: %s contains no regular files", root)
	}
	if total == 0 {
		return nil, fmt.Errorf("create: all files in %s are empty", root)
	}
	slices.SortFunc(files, func(a, b diskFile) int { return slices.Compare(a.elems, b.elems) })
	return files, nil
}
