package server

import (
	"net/netip"
	"strings"
)

// maxForwardedHops bounds how much of an X-Forwarded-For chain is examined.
const maxForwardedHops = 16

// clientIP decides which address a request speaks for. Only a request whose
// source is a trusted proxy may name another address: the right-most
// untrusted address of X-Forwarded-For if the header is present, else the ip
// parameter if given. Everyone else is taken to be its source address.
func clientIP(source netip.Addr, forwarded []string, ipParam netip.Addr, trusted []netip.Prefix) netip.Addr {
	source = source.Unmap()
	if !isTrusted(source, trusted) {
		return source
	}
	if len(forwarded) > 0 {
		return forwardedFor(source, forwarded, trusted)
	}
	if ipParam.IsValid() {
		return ipParam.Unmap()
	}
	return source
}

// forwardedFor walks X-Forwarded-For from the right, skipping trusted
// proxies, and returns the first address that is not one. An unparsable
// entry ends the walk at the last good address.
func forwardedFor(source netip.Addr, headers []string, trusted []netip.Prefix) netip.Addr {
	client := source
	hops := 0
	for i := len(headers) - 1; i >= 0; i-- {
		h := headers[i]
		for h != "" {
			var item string
			if j := strings.LastIndexByte(h, ','); j >= 0 {
				item, h = h[j+1:], h[:j]
			} else {
				item, h = h, ""
			}
			if hops++; hops > maxForwardedHops {
				return client
			}
			a, err := netip.ParseAddr(strings.TrimSpace(item))
			if err != nil || a.Zone() != "" {
				return client
			}
			client = a.Unmap()
			if !isTrusted(client, trusted) {
				return client
			}
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
