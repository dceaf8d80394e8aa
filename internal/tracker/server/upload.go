package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"shoal/internal/metainfo"
)

// MaxUploadSize is the largest .torrent file POST /torrents accepts.
const MaxUploadSize = 8 << 20

const (
	uploadPath = "/torrents"

	// uploadReadTimeout replaces the server's read timeout for an upload
	// body, which may take longer than a tracker request.
	uploadReadTimeout = time.Minute
)

// serveUpload registers the .torrent file in the request body. Replies are
// plain text with a status code: 201 and the info hash for a new torrent,
// 200 for one already registered, 4xx for a refused upload.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.allowed(w, r) {
		return
	}
	if code, msg := s.uploadPermitted(r); code != 0 {
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="shoal tracker"`)
		}
		http.Error(w, msg, code)
		return
	}
	if r.ContentLength > MaxUploadSize {
		http.Error(w, fmt.Sprintf("torrent larger than %d bytes", MaxUploadSize), http.StatusRequestEntityTooLarge)
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUploadSize))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, fmt.Sprintf("torrent larger than %d bytes", MaxUploadSize), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the torrent failed", http.StatusBadRequest)
		return
	}
	m, err := metainfo.Parse(data)
	if err != nil {
		http.Error(w, "not a valid torrent: "+err.Error(), http.StatusBadRequest)
		return
	}
	added, err := s.torrents.add(s.cfg.TorrentDir, m, data)
	if err != nil {
		s.log.Error("server: upload", "err", err)
		http.Error(w, "the torrent could not be stored", http.StatusInsufficientStorage)
		return
	}
	code := http.StatusOK
	if added {
		code = http.StatusCreated
		s.log.Info("server: torrent uploaded", "infohash", m.InfoHash, "name", m.Info.Name, "from", r.RemoteAddr)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, hex.EncodeToString(m.InfoHash[:])+"\n")
}

// uploadPermitted checks who is uploading: a status code and message if
// refused, 0 if allowed.
func (s *Server) uploadPermitted(r *http.Request) (int, string) {
	// Browsers send Origin with every POST; refusing it keeps web pages
	// (cross-site forms, DNS rebinding) from uploading through a browser
	// on an allowed address.
	if r.Header.Get("Origin") != "" {
		return http.StatusForbidden, "uploads from browsers are not accepted"
	}
	src, ok := s.source(r)
	if !ok || !isTrusted(src, s.cfg.UploadFrom) {
		return http.StatusForbidden, "uploads are not accepted from this address"
	}
	if s.cfg.UploadToken != "" && !tokenMatches(r.Header.Get("Authorization"), s.cfg.UploadToken) {
		return http.StatusUnauthorized, "missing or wrong upload token"
	}
	return 0, ""
}

// tokenMatches compares an "Authorization: Bearer TOKEN" header with the
// token in constant time (hashing first hides the length too).
func tokenMatches(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
