package cli

import (
	"context"
	"fmt"
	"path"
	"time"
)

const inspectUsage = `Usage: shoal inspect FILE.torrent

Prints what a .torrent file holds: name, info hash, trackers, piece
length and the list of files.
`

func runInspect(_ context.Context, e env, args []string) error {
	fs := newFlagSet("inspect", e, inspectUsage)
	pos, err := parseFlags(fs, args, 1, 1)
	if err != nil {
		return err
	}
	mi, err := loadTorrent(pos[0])
	if err != nil {
		return err
	}
	w := e.stdout
	info := &mi.Info
	fmt.Fprintf(w, "name:          %s\n", info.Name)
	fmt.Fprintf(w, "info hash:     %s\n", mi.InfoHash)
	fmt.Fprintf(w, "size:          %s (%d bytes)\n", formatBytes(info.TotalLength()), info.TotalLength())
	fmt.Fprintf(w, "pieces:        %d of %s\n", info.NumPieces(), formatBytes(info.PieceLength))
	fmt.Fprintf(w, "private:       %v\n", info.Private)
	if mi.Comment != "" {
		fmt.Fprintf(w, "comment:       %s\n", mi.Comment)
	}
	if mi.CreatedBy != "" {
		fmt.Fprintf(w, "created by:    %s\n", mi.CreatedBy)
	}
	if mi.CreationDate > 0 {
		fmt.Fprintf(w, "creation date: %s\n", time.Unix(mi.CreationDate, 0).UTC().Format(time.RFC3339))
	}
	tiers := mi.Tiers()
	if len(tiers) == 0 {
		fmt.Fprintln(w, "trackers:      none")
	}
	for i, tier := range tiers {
		for _, u := range tier {
			fmt.Fprintf(w, "tracker:       tier %d  %s\n", i, u)
		}
	}
	for _, u := range mi.URLList {
		fmt.Fprintf(w, "web seed:      %s\n", u)
	}
	fmt.Fprintf(w, "magnet:        %s\n", mi.Magnet())
	files := info.FileList()
	fmt.Fprintf(w, "files:         %d\n", len(files))
	for _, f := range files {
		fmt.Fprintf(w, "  %12d  %s\n", f.Length, path.Join(f.Path...))
	}
	return nil
}
