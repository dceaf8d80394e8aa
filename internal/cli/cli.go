package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"shoal/internal/bt"
)

const mainUsage = `shoal shares files over BitTorrent.

Usage:
  shoal <command> [arguments] [flags]

Commands:
  share PATH          make a torrent of a file or folder, run a tracker for it
                      in this process and seed it (no set-up needed)
  get TORRENT         download a torrent into a folder (-o DIR)
  seed TORRENT        seed a torrent from data already on disk (--dir DIR)
  create PATH         make a .torrent file of a file or folder
  inspect TORRENT     show what is inside a .torrent file
  tracker             run a BitTorrent tracker (HTTP and UDP)
  demo                watch a seed and six peers share a file on loopback
  lab distribution    measure distribution time against the textbook bounds
  lab ring            an owner and N peers pass chunks around a ring
  router              run the rendezvous router of a cluster of peers
  listen              register with a router; answer messages, receive files
  msg PEER TEXT       send a message to a peer by ID and print the reply
  send PEER FILE      send a file to a peer by ID
  id                  print the ID of your key
  bench pairs         measure links between pairs of peers of two clusters
  version             print the version

Run 'shoal <command> --help' for the flags of a command.

Examples:
  shoal share ./photos
  shoal get photos.torrent -o ~/Downloads
  shoal get photos.torrent --peer 192.0.2.7:6881
`

// env is what every command gets.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name string
	run  func(ctx context.Context, e env, args []string) error
}

var commands = []command{
	{"share", runShare},
	{"get", runGet},
	{"seed", runSeed},
	{"create", runCreate},
	{"inspect", runInspect},
	{"tracker", runTracker},
	{"lab", runLab},
	{"demo", runDemo},
	{"router", runRouter},
	{"listen", runListen},
	{"msg", runMsg},
	{"send", runSend},
	{"id", runID},
	{"bench", runBench},
}

// Run executes the command line args (without the program name) and
// returns the process exit code: 0 on success, 1 on failure, 2 for a bad
// command line, 130 when interrupted.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, mainUsage)
		return 0
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "shoal", bt.Version)
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "shoal %s: %v\nRun 'shoal %s --help' for usage.\n", c.name, err, c.name)
			return 2
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			fmt.Fprintf(stderr, "shoal %s: interrupted\n", c.name)
			return 130
		default:
			fmt.Fprintf(stderr, "shoal %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "shoal: unknown command %q\nRun 'shoal --help' for the list of commands.\n", args[0])
	return 2
}

// parseFlags parses a subcommand's flags and checks the count of
// positional arguments.
func parseFlags(fs *flagSet, args []string, minPos, maxPos int) ([]string, error) {
	pos, err := parseInterleaved(fs.FlagSet, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.help()
			return nil, err
		}
		return nil, &usageError{msg: err.Error()}
	}
	if len(pos) < minPos {
		return nil, usagef("missing argument")
	}
	if maxPos >= 0 && len(pos) > maxPos {
		return nil, usagef("unexpected argument %q", pos[maxPos])
	}
	return pos, nil
}
