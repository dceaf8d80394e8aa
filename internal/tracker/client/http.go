package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"shoal/internal/bt"
)

func (c *Client) announceHTTP(ctx context.Context, u *url.URL, req Request) (Response, error) {
	body, err := c.get(ctx, httpAnnounceURL(u, req))
	if err != nil {
		return Response{}, err
	}
	resp, err := ParseHTTPAnnounce(body)
	if err != nil {
		return Response{}, err
	}
	c.log.Debug("tracker: http announce", "tracker", displayURL(u), "peers", len(resp.Peers), "interval", resp.Interval)
	return resp, nil
}

func (c *Client) scrapeHTTP(ctx context.Context, u *url.URL, hashes []bt.InfoHash) (map[bt.InfoHash]ScrapeResult, error) {
	out := make(map[bt.InfoHash]ScrapeResult, len(hashes))
	for len(hashes) > 0 {
		batch := hashes[:min(len(hashes), maxHTTPScrapeHashes)]
		hashes = hashes[len(batch):]
		su, err := httpScrapeURL(u, batch)
		if err != nil {
			return nil, err
		}
		body, err := c.get(ctx, su)
		if err != nil {
			return nil, err
		}
		all, err := ParseHTTPScrape(body)
		if err != nil {
			return nil, err
		}
		for _, h := range batch {
			if r, ok := all[h]; ok {
				out[h] = r
			}
		}
	}
	return out, nil
}

// get fetches target and returns at most maxBody bytes of a 200 reply. A
// reply with another status that carries a "failure reason" gives a
// *FailureError. Errors leave out the URL, whose query may hold a passkey.
func (c *Client) get(ctx context.Context, target string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("tracker: http: %w", err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("tracker: http: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("tracker: http: reading reply: %w", err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		var fe *FailureError
		if _, err := ParseHTTPAnnounce(body); errors.As(err, &fe) {
			return nil, fe
		}
		return nil, fmt.Errorf("tracker: http: status %s", cleanText(resp.Status))
	}
	return body, nil
}
