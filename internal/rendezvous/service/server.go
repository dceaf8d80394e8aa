package service

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Server answers messages and stores files.
type Server struct {
	Dir         string // where received files go; "" refuses files
	MaxFileSize int64  // 0: no limit
	Logger      *slog.Logger
}

// Serve answers requests on rw until it ends; from names the peer in logs.
func (s *Server) Serve(rw io.ReadWriter, from string) error {
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	br := bufio.NewReaderSize(rw, 64<<10)
	for {
		f, err := ReadFrame(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("service: %w", err)
		}
		var reply Frame
		switch f.Kind {
		case KindMessage:
			log.Info("service: message", "from", from, "seq", f.Seq, "text", string(f.Payload))
			reply = Frame{Kind: KindReply, Seq: f.Seq, Payload: []byte(strings.ToUpper(string(f.Payload)))}
		case KindFile:
			size, name, err := parseFileHeader(f.Payload)
			if err != nil {
				return fmt.Errorf("service: %w", err)
			}
			rc, err := s.receive(br, name, size)
			if err != nil {
				if errors.Is(err, errStream) {
					return err
				}
				reply = Frame{Kind: KindFail, Seq: f.Seq, Payload: []byte(err.Error())}
				break
			}
			log.Info("service: file", "from", from, "name", name, "size", size, "sha256", fmt.Sprintf("%x", rc.SHA256))
			reply = Frame{Kind: KindReceipt, Seq: f.Seq, Payload: rc.payload()}
		default:
			return fmt.Errorf("%w: unexpected kind %d", ErrMalformed, f.Kind)
		}
		if _, err := rw.Write(AppendFrame(nil, reply)); err != nil {
			return fmt.Errorf("service: %w", err)
		}
	}
}

var errStream = errors.New("service: file stream broken")

// safeName accepts a plain file name, nothing that walks folders.
func safeName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`+"\x00") &&
		filepath.Base(name) == name
}

// receive stores size bytes of r as name in the folder; errors other than
// errStream leave the stream in sync (the bytes are read and dropped).
func (s *Server) receive(r io.Reader, name string, size int64) (Receipt, error) {
	discard := func(err error) (Receipt, error) {
		if _, cerr := io.CopyN(io.Discard, r, size); cerr != nil {
			return Receipt{}, fmt.Errorf("%w: %w", errStream, cerr)
		}
		return Receipt{}, err
	}
	switch {
	case s.Dir == "":
		return discard(errors.New("service: this peer takes no files"))
	case !safeName(name):
		return discard(fmt.Errorf("service: bad file name %q", name))
	case s.MaxFileSize > 0 && size > s.MaxFileSize:
		return discard(fmt.Errorf("service: file of %d bytes is over the limit of %d", size, s.MaxFileSize))
	}
	final := filepath.Join(s.Dir, name)
	if _, err := os.Lstat(final); err == nil {
		return discard(fmt.Errorf("service: %s exists", name))
	}
	tmp, err := os.CreateTemp(s.Dir, ".shoal-recv-*")
	if err != nil {
		return discard(fmt.Errorf("service: %w", err))
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, cerr := io.CopyN(io.MultiWriter(tmp, h), r, size)
	if err := tmp.Close(); err != nil && cerr == nil {
		if _, derr := io.CopyN(io.Discard, r, size-n); derr != nil {
			return Receipt{}, fmt.Errorf("%w: %w", errStream, derr)
		}
		return Receipt{}, fmt.Errorf("service: %w", err)
	}
	if cerr != nil {
		return Receipt{}, fmt.Errorf("%w: %w", errStream, cerr)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Receipt{}, fmt.Errorf("service: %w", err)
	}
	rc := Receipt{Size: n}
	copy(rc.SHA256[:], h.Sum(nil))
	return rc, nil
}
