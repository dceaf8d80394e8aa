package pairbench

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestParseHosts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "127.0.0.1", want: []string{"127.0.0.1"}},
		{in: "10.1.0.2-10.1.0.4,10.9.0.1", want: []string{"10.1.0.2", "10.1.0.3", "10.1.0.4", "10.9.0.1"}},
		{in: "10.1.0.255-10.1.1.0", want: []string{"10.1.0.255", "10.1.1.0"}},
		{in: "10.1.0.4-10.1.0.2", bad: true},
		{in: "::1-::2", bad: true},
		{in: "", bad: true},
		{in: "nonsense", bad: true},
		{in: "10.0.0.0-10.255.255.255", bad: true},
	} {
		got, err := ParseHosts(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		var s []string
		for _, a := range got {
			s = append(s, a.String())
		}
		if strings.Join(s, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: %v, want %v", tc.in, s, tc.want)
		}
	}
}

func TestParseContents(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"all", "text,audio,video"},
		{"video", "video"},
		{"text, audio", "text,audio"},
		{"speech", ""},
	} {
		cs, err := ParseContents(tc.in)
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestContentSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range Contents {
		var sum float64
		const n = 3000
		for j := uint64(1); j <= n; j++ {
			s := c.size(j, r)
			if s < 0 || s > maxPayload || s > len(text) {
				t.Fatalf("%s: size %d", c.Name, s)
			}
			sum += float64(s)
		}
		if mean := sum / n; mean < 0.9*c.MeanSize() || mean > 1.1*c.MeanSize() {
			t.Errorf("%s: mean %f, want about %f", c.Name, mean, c.MeanSize())
		}
	}
	if got := Video.size(1, r); got != Video.KeySize {
		t.Errorf("video frame 1: %d bytes, want a key frame", got)
	}
	if !bytes.Equal(bytes.ToUpper(text), upper) {
		t.Error("upper is not text in upper case")
	}
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i + 1)
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.9: 90, 0.99: 99, 1: 100, 0: 1} {
		if got := percentile(d, q); got != want {
			t.Errorf("p%v = %v, want %v", q, got, want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

func TestKeysDiffer(t *testing.T) {
	seen := map[string]bool{}
	for _, side := range []byte{SideA, SideB} {
		for i := range 10 {
			id := ID(7, side, i).String()
			if seen[id] {
				t.Fatalf("duplicate id %s", id)
			}
			seen[id] = true
		}
	}
	first, again := ID(7, SideA, 0), ID(7, SideA, 0)
	if first != again || first == ID(8, SideA, 0) {
		t.Error("keys do not follow the seed")
	}
}

const metricsPage = `# HELP shoal_router_lookup_seconds Time to find a connect target.
# TYPE shoal_router_lookup_seconds histogram
shoal_router_lookup_seconds_bucket{le="0.0001"} 3
shoal_router_lookup_seconds_sum 0.25
shoal_router_lookup_seconds_count 100
shoal_router_relayed_bytes_total 1.5e+06
shoal_router_relays_total 7
shoal_router_table_lookup_seconds_total 2e-05
shoal_router_table_lookups_total 200
go_goroutines 12
process_cpu_seconds_total 2.5
process_resident_memory_bytes 4.194304e+07
`

func TestParseMetrics(t *testing.T) {
	s, err := parseMetrics(strings.NewReader(metricsPage))
	if err != nil {
		t.Fatal(err)
	}
	want := routerSample{lookupSum: 0.25, lookupCount: 100, tableSum: 2e-05, tableCount: 200, relayed: 1.5e6, relays: 7, cpu: 2.5, rss: 40 << 20}
	if s != want {
		t.Errorf("%+v, want %+v", s, want)
	}
	if _, err := parseMetrics(strings.NewReader("shoal_router_relays_total x\n")); err == nil {
		t.Error("bad value accepted")
	}
}

func FuzzParseMetrics(f *testing.F) {
	f.Add(metricsPage)
	f.Add("shoal_router_relays_total NaN\n")
	f.Add(strings.Repeat("x", 70<<10))
	f.Fuzz(func(t *testing.T, s string) {
		parseMetrics(strings.NewReader(s))
	})
}

func TestReportWriters(t *testing.T) {
	rp := &Report{Routers: "in-process", Pairs: 2, Duration: time.Second, Results: []Result{
		summarize(Audio, []pairOutcome{
			{linked: true, kind: 1, setup: time.Millisecond, st: streamStats{sent: 50, replied: 50, bytes: 8000, xmit: []time.Duration{time.Millisecond}}},
			{err: io.ErrUnexpectedEOF},
		}, time.Second),
	}}
	r := rp.Results[0]
	if r.Direct != 1 || r.Failed != 1 || r.Replied != 50 || r.AvgMsgSize != 160 || r.TotalBps != 8000 {
		t.Errorf("summary %+v", r)
	}
	var b bytes.Buffer
	if err := rp.WriteCSV(&b); err != nil || strings.Count(b.String(), "\n") != 2 {
		t.Errorf("csv %q, %v", b.String(), err)
	}
	b.Reset()
	if err := rp.WriteJSON(&b); err != nil || !strings.Contains(b.String(), `"setup_p99_ns": 1000000`) {
		t.Errorf("json %s, %v", b.String(), err)
	}
	b.Reset()
	if err := rp.WriteTable(&b); err != nil || !strings.Contains(b.String(), "audio") {
		t.Errorf("table %s, %v", b.String(), err)
	}
	dir := t.TempDir()
	if err := rp.Save(dir); err != nil {
		t.Fatal(err)
	}
}
