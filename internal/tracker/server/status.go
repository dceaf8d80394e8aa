package server

import (
	"bytes"
	"cmp"
	"container/heap"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"shoal/internal/tracker/registry"
)

// MaxStatusRows bounds the swarms listed on the status page: the largest
// are shown, and the totals cover all.
const MaxStatusRows = 200

var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>shoal tracker</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { padding: 0.2em 0.8em; text-align: right; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr:nth-child(even) { background: #f2f2f2; }
</style>
</head>
<body>
<h1>shoal tracker</h1>
<p>{{.Swarms}} swarms, {{.Peers}} peers: {{.Seeders}} seeders, {{.Leechers}} leechers.{{if .Registered}} {{.Registered}} registered torrents.{{end}}</p>
{{if .Rows}}<table>
<tr><th>Name</th><th>Info hash</th><th>Seeders</th><th>Leechers</th><th>Completed</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td><code>{{.InfoHash}}</code></td><td>{{.Seeders}}</td><td>{{.Leechers}}</td><td>{{.Completed}}</td></tr>
{{end}}</table>
{{if .Truncated}}<p>Showing the {{len .Rows}} largest swarms.</p>{{end}}{{end}}
</body>
</html>
`))

type statusData struct {
	Swarms, Peers, Seeders, Leechers int
	Registered                       int
	Rows                             []statusRow
	Truncated                        bool
}

type statusRow struct {
	registry.SwarmStats
	Name string // "" when not registered
}

// statusOrder sorts swarms for the status page: most peers first, then
// most seeders, then by info hash so that the order is stable.
func statusOrder(a, b registry.SwarmStats) int {
	if c := cmp.Compare(b.Seeders+b.Leechers, a.Seeders+a.Leechers); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Seeders, a.Seeders); c != 0 {
		return c
	}
	return bytes.Compare(a.InfoHash[:], b.InfoHash[:])
}

// topSwarms returns the n first swarms of stats in statusOrder, sorted, in
// O(len(stats) log n). stats is reordered.
func topSwarms(stats []registry.SwarmStats, n int) []registry.SwarmStats {
	if len(stats) <= n {
		slices.SortFunc(stats, statusOrder)
		return stats
	}
	// A heap of the best n so far, worst on top.
	h := worstFirst(stats[:n])
	heap.Init(&h)
	for _, st := range stats[n:] {
		if statusOrder(st, h[0]) < 0 {
			h[0] = st
			heap.Fix(&h, 0)
		}
	}
	slices.SortFunc(h, statusOrder)
	return h
}

// worstFirst is a heap of swarms whose top is the last in statusOrder.
type worstFirst []registry.SwarmStats

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(i, j int) bool { return statusOrder(h[i], h[j]) > 0 }
func (h worstFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstFirst) Push(any)          {} // never called: the size is fixed
func (h *worstFirst) Pop() any          { return nil }

// status builds the status page's data from the swarms.
func (s *Server) status(stats []registry.SwarmStats) statusData {
	d := statusData{Swarms: len(stats), Registered: s.torrents.len()}
	for _, st := range stats {
		d.Seeders += st.Seeders
		d.Leechers += st.Leechers
	}
	d.Peers = d.Seeders + d.Leechers
	top := topSwarms(stats, MaxStatusRows)
	d.Truncated = len(top) < len(stats)
	d.Rows = make([]statusRow, len(top))
	for i, st := range top {
		d.Rows[i].SwarmStats = st
		d.Rows[i].Name, _ = s.torrents.lookup(st.InfoHash)
	}
	return d
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.allowed(w, r) {
		return
	}
	page, err := s.statusCache.get(s.cfg.Now(), func() ([]byte, error) {
		var buf bytes.Buffer
		err := statusPage.Execute(&buf, s.status(s.reg.Stats(nil)))
		return buf.Bytes(), err
	})
	if err != nil {
		s.log.Error("server: status page", "err", err)
		http.Error(w, "status unavailable", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	h.Set("Cache-Control", "max-age=1")
	_, _ = w.Write(page)
}

// statusCacheTTL is how long a rendered status page is served again, so
// that many visitors cost one rendering a second.
const statusCacheTTL = time.Second

// pageCache holds the last rendered status page.
type pageCache struct {
	mu   sync.Mutex
	at   time.Time
	page []byte
}

// get returns the cached page if it was rendered less than statusCacheTTL
// before now, else renders it again.
func (c *pageCache) get(now time.Time, render func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.page != nil && now.Sub(c.at) < statusCacheTTL && !now.Before(c.at) {
		return c.page, nil
	}
	page, err := render()
	if err != nil {
		return nil, err
	}
	c.at, c.page = now, page
	return page, nil
}
