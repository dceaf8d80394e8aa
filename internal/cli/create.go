package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shoal/internal/bt"
	"shoal/internal/create"
	"shoal/internal/metainfo"
)

const createUsage = `Usage: shoal create PATH [-o FILE.torrent] [flags]

Makes a .torrent file for the file or folder PATH. Pieces are hashed on
every CPU core. The piece length is chosen from the size unless
--piece-length is given.

Examples:
  shoal create ./album --tracker http://tracker.example:6969/announce
  shoal create big.iso -o big.torrent --piece-length 4M --private
`

func runCreate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("create", e, createUsage)
	out := fs.String("o", "", "write the torrent to `FILE` (default: NAME.torrent in the current folder)")
	var trackers listFlag
	fs.Var(&trackers, "tracker", "announce `URL` (repeatable; each becomes its own tier)")
	var pieceLen sizeFlag
	fs.Var(&pieceLen, "piece-length", "piece length, a power of two from 16K to 64M (default: chosen from the size)")
	private := fs.Bool("private", false, "mark the torrent private (BEP 27): peers come from its trackers only")
	comment := fs.String("comment", "", "free-text comment stored in the torrent")
	quiet := fs.Bool("quiet", false, "print no progress")
	pos, err := parseFlags(fs, args, 1, 1)
	if err != nil {
		return err
	}
	mi, path, err := makeTorrent(ctx, e, pos[0], *out, create.Options{
		PieceLength: int64(pieceLen),
		Trackers:    trackers,
		Private:     *private,
		Comment:     *comment,
	}, *quiet)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", path)
	fmt.Fprintf(e.stdout, "  name:      %s\n", mi.Info.Name)
	fmt.Fprintf(e.stdout, "  size:      %s in %d pieces of %s\n", formatBytes(mi.Info.TotalLength()), mi.Info.NumPieces(), formatBytes(mi.Info.PieceLength))
	fmt.Fprintf(e.stdout, "  info hash: %s\n", mi.InfoHash)
	fmt.Fprintf(e.stdout, "  magnet:    %s\n", mi.Magnet())
	return nil
}

// makeTorrent hashes path and writes the torrent file; out "" means
// NAME.torrent in the current folder.
func makeTorrent(ctx context.Context, e env, path, out string, opt create.Options, quiet bool) (*metainfo.MetaInfo, string, error) {
	for _, tr := range opt.Trackers {
		if !strings.HasPrefix(tr, "http://") && !strings.HasPrefix(tr, "https://") && !strings.HasPrefix(tr, "udp://") {
			return nil, "", usagef("invalid --tracker %q: want an http://, https:// or udp:// announce URL", tr)
		}
	}
	if opt.PieceLength != 0 && (opt.PieceLength < 16<<10 || opt.PieceLength > 64<<20 || opt.PieceLength&(opt.PieceLength-1) != 0) {
		return nil, "", usagef("invalid --piece-length %s: want a power of two from 16K to 64M", formatBytes(opt.PieceLength))
	}
	opt.CreatedBy = "shoal " + bt.Version
	opt.CreationDate = time.Now()
	p := newProgress(e.stderr, quiet)
	start := time.Now()
	opt.Progress = func(done, total int64) {
		el := time.Since(start).Seconds()
		rate := 0.0
		if el > 0 {
			rate = float64(done) / el
		}
		p.update(fmt.Sprintf("hashing %5.1f%%  %s of %s  %s", 100*float64(done)/float64(max(total, 1)), formatBytes(done), formatBytes(total), formatRate(rate)))
	}
	mi, err := create.Create(ctx, path, opt)
	p.clear()
	if err != nil {
		return nil, "", err
	}
	data, err := mi.Encode()
	if err != nil {
		return nil, "", err
	}
	if out == "" {
		out = mi.Info.Name + ".torrent"
	}
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return nil, "", fmt.Errorf("write torrent: %w", err)
	}
	return mi, out, nil
}
