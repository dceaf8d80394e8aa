package server

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"shoal/internal/tracker/registry"
)

// maxStatusRows bounds the swarms listed on the status page; the largest
// swarms are shown.
const maxStatusRows = 1000

var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>shoal tracker</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { padding: 0.2em 0.8em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr:nth-child(even) { background: #f2f2f2; }
</style>
</head>
<body>
<h1>shoal tracker</h1>
<p>{{.Swarms}} swarms, {{.Peers}} peers: {{.Seeders}} seeders, {{.Leechers}} leechers.</p>
{{if .Rows}}<table>
<tr><th>Info hash</th><th>Seeders</th><th>Leechers</th><th>Completed</th></tr>
{{range .Rows}}<tr><td><code>{{.InfoHash}}</code></td><td>{{.Seeders}}</td><td>{{.Leechers}}</td><td>{{.Completed}}</td></tr>
{{end}}</table>
{{if .Truncated}}<p>Showing the {{len .Rows}} largest swarms.</p>{{end}}{{end}}
</body>
</html>
`))

type statusData struct {
	Swarms, Peers, Seeders, Leechers int
	Rows                             []registry.SwarmStats
	Truncated                        bool
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	stats := s.reg.Stats(nil)
	d := statusData{Swarms: len(stats)}
	for _, st := range stats {
		d.Seeders += st.Seeders
		d.Leechers += st.Leechers
	}
	d.Peers = d.Seeders + d.Leechers
	slices.SortFunc(stats, func(a, b registry.SwarmStats) int {
		if c := cmp.Compare(b.Seeders+b.Leechers, a.Seeders+a.Leechers); c != 0 {
			return c
		}
		return bytes.Compare(a.InfoHash[:], b.InfoHash[:])
	})
	if len(stats) > maxStatusRows {
		stats, d.Truncated = stats[:maxStatusRows], true
	}
	d.Rows = stats
	var buf bytes.Buffer
	if err := statusPage.Execute(&buf, d); err != nil {
		s.log.Error("server: status page", "err", err)
		http.Error(w, "status unavailable", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}
