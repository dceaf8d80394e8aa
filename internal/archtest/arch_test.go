package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// layers lists every package under internal/ by layer, lowest first. A
// package may import only packages of lower layers.
var layers = [][]string{
	{"bt", "bitfield", "bencode", "tui", "redistest", "leakcheck", "testbin"},
	{"metainfo", "wire", "rate", "picker", "choker", "rendezvous/proto"},
	{"swarm", "storage", "create", "pex", "peerconn", "tracker/client", "tracker/registry", "rendezvous/router", "rendezvous/node"},
	{"tracker/store", "rendezvous/service", "rendezvous/rdvtest", "ringlab"},
	{"tracker/server", "engine"},
	{"magnet", "tracker/loadgen", "lab", "rendezvous/pairbench"},
	{"cli"},
	{"interop", "archtest", "tracker/scaletest", "nattest"},
}

func TestImportsPointDown(t *testing.T) {
	layer := map[string]int{}
	for i, ps := range layers {
		for _, p := range ps {
			layer[p] = i
		}
	}
	root := filepath.Join("..")
	fset := token.NewFileSet()
	seen := map[string]bool{}
	unplaced := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		seen[pkg] = true
		from, ok := layer[pkg]
		if !ok {
			if !unplaced[pkg] {
				t.Errorf("package internal/%s is not placed in a layer in arch_test.go", pkg)
			}
			unplaced[pkg] = true
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			dep, ok := strings.CutPrefix(p, "shoal/internal/")
			if !ok {
				continue
			}
			if to, ok := layer[dep]; ok && to >= from {
				t.Errorf("%s: internal/%s (layer %d) imports internal/%s (layer %d)", path, pkg, from, dep, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
