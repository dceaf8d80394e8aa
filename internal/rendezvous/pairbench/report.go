package pairbench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what one content profile measured over all pairs.
type Result struct {
	Content  string         `json:"content"`
	Profile  string         `json:"profile"`
	Pairs    int            `json:"pairs"`
	Direct   int            `json:"direct"`  // links that bypass the routers
	Relayed  int            `json:"relayed"` // links through the routers
	Failed   int            `json:"failed"`  // no link
	Kinds    map[string]int `json:"kinds"`   // links by how they were made
	SetupP50 time.Duration  `json:"setup_p50_ns"`
	SetupP90 time.Duration  `json:"setup_p90_ns"`
	SetupP99 time.Duration  `json:"setup_p99_ns"`
	SetupMax time.Duration  `json:"setup_max_ns"`
	// SetupSpan is from the first set-up's start to the last one's end.
	SetupSpan time.Duration `json:"setup_span_ns"`
	// TableLookups is how many times the routers searched their routing
	// tables (0 when their metrics were not available); TableLookupAvg is
	// the mean time of one search.
	TableLookups   int64         `json:"table_lookups"`
	TableLookupAvg time.Duration `json:"table_lookup_avg_ns"`
	// Lookups is how many lookups the routers timed (0 when their metrics
	// were not available); LookupAvg is their mean: a federated round trip
	// for a peer of the other cluster, 0 for a router's own peer.
	Lookups   int64         `json:"lookups"`
	LookupAvg time.Duration `json:"lookup_avg_ns"`

	Messages   int64   `json:"messages"`  // sent
	Replied    int64   `json:"replied"`   // answered correctly, in sequence
	Dropped    int64   `json:"dropped"`   // never answered correctly
	Reordered  int64   `json:"reordered"` // answers out of sequence
	AvgMsgSize float64 `json:"avg_msg_bytes"`
	// Transmission time is from writing a message to reading its reply.
	XmitAvg  time.Duration `json:"xmit_avg_ns"`
	XmitP50  time.Duration `json:"xmit_p50_ns"`
	XmitP99  time.Duration `json:"xmit_p99_ns"`
	PairBps  float64       `json:"pair_bytes_per_s"`  // mean over pairs with a link
	TotalBps float64       `json:"total_bytes_per_s"` // all pairs together
	// RelayedBytes is what the routers relayed during the run (-1: unknown).
	RelayedBytes int64 `json:"relayed_bytes"`
	// RouterCPU is the CPU time the external routers (read from their
	// /metrics) used during this content, set-up and streaming, summed
	// over routers; RouterRSS is their resident memory afterwards, summed.
	// -1: unknown (in-process routers, or no metrics).
	RouterCPU time.Duration `json:"router_cpu_ns"`
	RouterRSS int64         `json:"router_rss_bytes"`
	Errors    []string      `json:"errors,omitempty"` // the first few
}

// Report is a whole run.
type Report struct {
	Routers  string        `json:"routers"` // "in-process" or "external"
	Pairs    int           `json:"pairs"`
	Duration time.Duration `json:"duration_ns"` // streaming time per content
	// Concurrency bounds the set-ups in flight; Rate, when above 0, is
	// the open-loop rate at which set-ups started, a second.
	Concurrency int      `json:"concurrency"`
	Rate        float64  `json:"rate_per_s"`
	Results     []Result `json:"results"`
	// CPU and MaxRSS are this process's (with in-process routers, the
	// routers' too).
	CPU    time.Duration `json:"cpu_ns"`
	MaxRSS int64         `json:"max_rss_bytes"`
}

// percentile returns the q-quantile of sorted d (nearest rank).
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func kinds(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}

var columns = []string{
	"content", "pairs", "direct", "relayed", "failed", "setup_p50_ms", "setup_p90_ms", "setup_p99_ms",
	"table_lookup_ns", "lookup_avg_ms", "messages", "dropped", "avg_msg_bytes", "xmit_avg_ms", "xmit_p99_ms",
	"pair_bytes_per_s", "total_bytes_per_s", "relayed_bytes", "router_cpu_ms", "router_rss_bytes", "kinds",
}

func (r *Result) row() []string {
	lookup, table := "-", "-"
	if r.TableLookups > 0 {
		table = strconv.FormatFloat(float64(r.TableLookupAvg), 'f', 0, 64)
	}
	if r.Lookups > 0 {
		lookup = strconv.FormatFloat(float64(r.LookupAvg)/1e6, 'f', 3, 64)
	}
	relayed, cpu, rss := "-", "-", "-"
	if r.RelayedBytes >= 0 {
		relayed = strconv.FormatInt(r.RelayedBytes, 10)
	}
	if r.RouterCPU >= 0 {
		cpu = ms(r.RouterCPU)
	}
	if r.RouterRSS >= 0 {
		rss = strconv.FormatInt(r.RouterRSS, 10)
	}
	return []string{
		r.Content, strconv.Itoa(r.Pairs), strconv.Itoa(r.Direct), strconv.Itoa(r.Relayed), strconv.Itoa(r.Failed),
		ms(r.SetupP50), ms(r.SetupP90), ms(r.SetupP99), table, lookup,
		strconv.FormatInt(r.Messages, 10), strconv.FormatInt(r.Dropped, 10),
		strconv.FormatFloat(r.AvgMsgSize, 'f', 0, 64), ms(r.XmitAvg), ms(r.XmitP99),
		strconv.FormatFloat(r.PairBps, 'f', 0, 64), strconv.FormatFloat(r.TotalBps, 'f', 0, 64), relayed, cpu, rss, kinds(r.Kinds),
	}
}

// WriteTable prints the report as an aligned table.
func (rp *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t\n", strings.Join(columns[:len(columns)-1], "\t"))
	for _, r := range rp.Results {
		row := r.row()
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row[:len(row)-1], "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rp.Results {
		fmt.Fprintf(w, "%s: links %s; %s\n", r.Content, kinds(r.Kinds), r.Profile)
		if linked := r.Direct + r.Relayed; linked > 0 && r.SetupSpan > 0 {
			fmt.Fprintf(w, "  set-up: %d links in %v (%.0f links/s), max %s ms\n",
				linked, r.SetupSpan.Round(time.Millisecond), float64(linked)/r.SetupSpan.Seconds(), ms(r.SetupMax))
		}
		if r.RouterCPU >= 0 && r.RouterRSS >= 0 {
			fmt.Fprintf(w, "  routers: cpu %v, rss %.1f MiB\n", r.RouterCPU.Round(time.Millisecond), float64(r.RouterRSS)/(1<<20))
		}
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  error: %s\n", e)
		}
	}
	_, err := fmt.Fprintf(w, "%d pairs, %s, %v per content, %s routers; this process: cpu %v, max rss %.1f MiB\n",
		rp.Pairs, rp.pace(), rp.Duration, rp.Routers, rp.CPU.Round(time.Millisecond), float64(rp.MaxRSS)/(1<<20))
	return err
}

// pace says how set-ups were started.
func (rp *Report) pace() string {
	var s string
	switch {
	case rp.Rate > 0:
		s = fmt.Sprintf("set-ups started at %g/s", rp.Rate)
	default:
		s = "set-ups started at once"
	}
	if rp.Concurrency > 0 && rp.Concurrency < rp.Pairs {
		s += fmt.Sprintf(", at most %d in flight", rp.Concurrency)
	}
	return s
}

// WriteCSV writes one line per content after a header line.
func (rp *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(columns)
	for _, r := range rp.Results {
		cw.Write(r.row())
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the report as indented JSON.
func (rp *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rp)
}

// Save writes pairs.csv and pairs.json into dir (made if missing).
func (rp *Report) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pairbench: %w", err)
	}
	for name, write := range map[string]func(io.Writer) error{"pairs.csv": rp.WriteCSV, "pairs.json": rp.WriteJSON} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("pairbench: %w", err)
		}
		werr := write(f)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("pairbench: %s: %w", name, werr)
		}
	}
	return nil
}
