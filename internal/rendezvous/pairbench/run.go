package pairbench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/service"
)

// Run measures cfg.Pairs pairs with both sides in this process: side A
// registered at cfg.RouterA dials side B registered at cfg.RouterB, or,
// without routers, at two federated routers it starts on loopback.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if (cfg.RouterA == "") != (cfg.RouterB == "") {
		return nil, errors.New("pairbench: give both routers or neither")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxTime)
	defer cancel()
	rp := &Report{Routers: "external"}
	var scrapers []scraper
	if cfg.RouterA == "" {
		lr, err := startRouters(ctx, &cfg)
		if err != nil {
			return nil, err
		}
		defer lr.stop()
		cfg.RouterA, cfg.RouterB = lr.addrA, lr.addrB
		scrapers = []scraper{handlerScraper(lr.a.MetricsHandler()), handlerScraper(lr.b.MetricsHandler())}
		rp.Routers = "in-process"
	}
	actx, acancel := context.WithCancel(ctx)
	ready := make(chan struct{})
	aerr := make(chan error, 1)
	go func() {
		aerr <- Answer(actx, cfg, func() { close(ready) })
	}()
	defer func() {
		acancel()
		<-aerr
	}()
	select {
	case <-ready:
	case err := <-aerr:
		aerr <- err
		return nil, err
	}
	return dial(ctx, &cfg, rp, scrapers)
}

// RunDial runs side A only, against side B run elsewhere by Answer with
// the same Pairs and Seed.
func RunDial(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if cfg.RouterA == "" {
		return nil, fmt.Errorf("pairbench: dial: no router")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxTime)
	defer cancel()
	return dial(ctx, &cfg, &Report{Routers: "external"}, nil)
}

// Answer runs side B at cfg.RouterB: every peer answers its links with the
// message service. ready (if not nil) is called once all are registered.
// It returns when ctx ends or cfg.MaxTime has passed.
func Answer(ctx context.Context, cfg Config, ready func()) error {
	if err := cfg.setDefaults(); err != nil {
		return err
	}
	if cfg.RouterB == "" {
		return fmt.Errorf("pairbench: answer: no router")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxTime)
	defer cancel()
	ps, err := startPeers(ctx, &cfg, SideB, cfg.RouterB, cfg.HostsB)
	if err != nil {
		return err
	}
	defer ps.stop()
	srv := &service.Server{}
	var wg sync.WaitGroup
	for _, n := range ps.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			service.ServeNode(ctx, n, srv)
		}()
	}
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// dial starts side A and runs every content over fresh links.
func dial(ctx context.Context, cfg *Config, rp *Report, scrapers []scraper) (*Report, error) {
	for _, u := range cfg.MetricsURLs {
		scrapers = append(scrapers, urlScraper(u))
	}
	ps, err := startPeers(ctx, cfg, SideA, cfg.RouterA, cfg.HostsA)
	if err != nil {
		return nil, err
	}
	defer ps.stop()
	rp.Pairs, rp.Duration = cfg.Pairs, cfg.Duration
	rp.Concurrency, rp.Rate = cfg.Concurrency, cfg.Rate
	for k, c := range cfg.Contents {
		before, ok := sampleAll(ctx, scrapers)
		res := runContent(ctx, cfg, ps.nodes, c, k)
		after, ok2 := sampleAll(ctx, scrapers)
		res.RelayedBytes = -1
		if ok && ok2 {
			d := after.sub(before)
			if rp.Routers == "external" {
				res.RouterCPU = time.Duration(d.cpu * 1e9)
				res.RouterRSS = int64(d.rss)
			}
			res.RelayedBytes = int64(d.relayed)
			res.Lookups = int64(d.lookupCount)
			if d.lookupCount > 0 {
				res.LookupAvg = time.Duration(d.lookupSum / d.lookupCount * 1e9)
			}
			res.TableLookups = int64(d.tableCount)
			if d.tableCount > 0 {
				res.TableLookupAvg = time.Duration(d.tableSum / d.tableCount * 1e9)
			}
		}
		rp.Results = append(rp.Results, res)
		if ctx.Err() != nil {
			break
		}
	}
	rp.CPU, rp.MaxRSS = usage()
	return rp, ctx.Err()
}

// pairOutcome is one pair's link and stream.
type pairOutcome struct {
	kind   node.Kind
	setup  time.Duration
	linked bool
	err    error
	st     streamStats
}

// runContent links every pair (cfg.Concurrency at a time, at cfg.Rate
// set-ups a second if set), then streams c on all links at once, then
// closes them.
func runContent(ctx context.Context, cfg *Config, nodes []*node.Node, c Content, k int) Result {
	out := make([]pairOutcome, len(nodes))
	links := make([]*node.Link, len(nodes))
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if cfg.Rate > 0 && !sleepUntil(ctx, t0.Add(time.Duration(float64(i)/cfg.Rate*float64(time.Second)))) {
				out[i].err = ctx.Err()
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i].err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			l, err := n.Dial(ctx, ID(cfg.Seed, SideB, i))
			if err != nil {
				out[i].err = err
				return
			}
			links[i] = l
			out[i] = pairOutcome{kind: l.Kind(), setup: l.SetupTime(), linked: true}
		}()
	}
	wg.Wait()
	span := time.Since(t0)
	for i, l := range links {
		if l == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer l.Close()
			r := rand.New(rand.NewPCG(cfg.Seed, uint64(i)<<8|uint64(k)))
			out[i].st = stream(ctx, l, c, cfg.Duration, cfg.Drain, r)
			out[i].err = out[i].st.err
		}()
	}
	wg.Wait()
	res := summarize(c, out, cfg.Duration)
	res.SetupSpan = span
	return res
}

// sleepUntil waits for t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// summarize folds the pairs' outcomes into a Result.
func summarize(c Content, out []pairOutcome, d time.Duration) Result {
	res := Result{Content: c.Name, Profile: c.String(), Pairs: len(out), Kinds: map[string]int{}, RouterCPU: -1, RouterRSS: -1}
	var setups, xmits []time.Duration
	var xsum time.Duration
	var bytes int64
	linked := 0
	for _, o := range out {
		if o.err != nil && len(res.Errors) < 5 {
			res.Errors = append(res.Errors, o.err.Error())
		}
		if !o.linked {
			res.Failed++
			continue
		}
		linked++
		res.Kinds[o.kind.String()]++
		if o.kind.Direct() {
			res.Direct++
		} else {
			res.Relayed++
		}
		setups = append(setups, o.setup)
		res.Messages += o.st.sent
		res.Replied += o.st.replied
		res.Dropped += o.st.dropped
		res.Reordered += o.st.reorder
		bytes += o.st.bytes
		for _, x := range o.st.xmit {
			xsum += x
		}
		xmits = append(xmits, o.st.xmit...)
	}
	slices.Sort(setups)
	slices.Sort(xmits)
	res.SetupP50, res.SetupP90 = percentile(setups, 0.5), percentile(setups, 0.9)
	res.SetupP99, res.SetupMax = percentile(setups, 0.99), percentile(setups, 1)
	if res.Replied > 0 {
		res.AvgMsgSize = float64(bytes) / float64(res.Replied)
		res.XmitAvg = xsum / time.Duration(len(xmits))
		res.XmitP50, res.XmitP99 = percentile(xmits, 0.5), percentile(xmits, 0.99)
	}
	if linked > 0 && d > 0 {
		res.TotalBps = float64(bytes) / d.Seconds()
		res.PairBps = res.TotalBps / float64(linked)
	}
	return res
}
