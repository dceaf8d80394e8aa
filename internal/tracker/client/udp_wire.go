package client

import (
	"encoding/binary"
	"fmt"
	"math"

	"shoal/internal/bt"
)

// BEP 15 constants.
const (
	udpProtocolID = 0x41727101980

	actionConnect  uint32 = 0
	actionAnnounce uint32 = 1
	actionScrape   uint32 = 2
	actionError    uint32 = 3

	udpConnectLen      = 16 // connect request and reply
	udpAnnounceLen     = 98 // announce request without options
	udpAnnounceHdrLen  = 20 // announce reply before the peers
	udpScrapeEntryLen  = 12 // seeders, completed, leechers
	udpHeaderLen       = 8  // action and transaction id of every reply
	udpOptionURLData   = 0x2
	maxUDPURLData      = 1024 // bytes of path and query sent as BEP 41 options
	maxUDPReplyPayload = 65507
)

// appendUDPConnect appends a connect request.
func appendUDPConnect(b []byte, tid uint32) []byte {
	b = binary.BigEndian.AppendUint64(b, udpProtocolID)
	b = binary.BigEndian.AppendUint32(b, actionConnect)
	return binary.BigEndian.AppendUint32(b, tid)
}

// appendUDPAnnounce appends an announce request. urlData is the path and
// query of the tracker URL, sent as BEP 41 URLData options when not empty.
func appendUDPAnnounce(b []byte, connID uint64, tid uint32, req Request, urlData string) []byte {
	b = binary.BigEndian.AppendUint64(b, connID)
	b = binary.BigEndian.AppendUint32(b, actionAnnounce)
	b = binary.BigEndian.AppendUint32(b, tid)
	b = append(b, req.InfoHash[:]...)
	b = append(b, req.PeerID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(max(req.Downloaded, 0)))
	b = binary.BigEndian.AppendUint64(b, uint64(max(req.Left, 0)))
	b = binary.BigEndian.AppendUint64(b, uint64(max(req.Uploaded, 0)))
	b = binary.BigEndian.AppendUint32(b, req.Event.udpEvent())
	var ip [4]byte
	if req.IP.Is4() {
		ip = req.IP.As4()
	}
	b = append(b, ip[:]...)
	b = binary.BigEndian.AppendUint32(b, req.Key)
	b = binary.BigEndian.AppendUint32(b, uint32(req.numWant()))
	b = binary.BigEndian.AppendUint16(b, req.Port)
	if len(urlData) > maxUDPURLData {
		urlData = urlData[:maxUDPURLData]
	}
	for len(urlData) > 0 {
		n := min(len(urlData), 255)
		b = append(b, udpOptionURLData, byte(n))
		b = append(b, urlData[:n]...)
		urlData = urlData[n:]
	}
	return b
}

// appendUDPScrape appends a scrape request for at most maxScrapeHashes
// hashes.
func appendUDPScrape(b []byte, connID uint64, tid uint32, hashes []bt.InfoHash) []byte {
	b = binary.BigEndian.AppendUint64(b, connID)
	b = binary.BigEndian.AppendUint32(b, actionScrape)
	b = binary.BigEndian.AppendUint32(b, tid)
	for _, h := range hashes {
		b = append(b, h[:]...)
	}
	return b
}

// udpHeader returns the action and transaction id of a reply.
func udpHeader(pkt []byte) (action, tid uint32, ok bool) {
	if len(pkt) < udpHeaderLen {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(pkt), binary.BigEndian.Uint32(pkt[4:]), true
}

// checkUDPReply checks the length and action of a reply.
func checkUDPReply(pkt []byte, want uint32, minLen int) error {
	if len(pkt) > maxUDPReplyPayload {
		return fmt.Errorf("%w: udp reply of %d bytes", ErrMalformed, len(pkt))
	}
	action, _, ok := udpHeader(pkt)
	if !ok || len(pkt) < minLen {
		return fmt.Errorf("%w: udp reply of %d bytes, want at least %d", ErrMalformed, len(pkt), minLen)
	}
	if action != want {
		return fmt.Errorf("%w: udp reply action %d, want %d", ErrMalformed, action, want)
	}
	return nil
}

// ParseUDPConnect decodes a connect reply (BEP 15 action 0) and returns
// its connection id. The transaction id is not checked here.
func ParseUDPConnect(pkt []byte) (connID uint64, err error) {
	if err := checkUDPReply(pkt, actionConnect, udpConnectLen); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(pkt[8:]), nil
}

// ParseUDPAnnounce decodes an announce reply (BEP 15 action 1). v6 tells
// whether the tracker was reached over IPv6, in which case peers are
// 18-byte entries instead of 6-byte ones.
func ParseUDPAnnounce(pkt []byte, v6 bool) (Response, error) {
	if err := checkUDPReply(pkt, actionAnnounce, udpAnnounceHdrLen); err != nil {
		return Response{}, err
	}
	resp := Response{
		Interval:   seconds(int64(int32(binary.BigEndian.Uint32(pkt[8:]))), defaultInterval),
		Incomplete: count(binary.BigEndian.Uint32(pkt[12:])),
		Complete:   count(binary.BigEndian.Uint32(pkt[16:])),
	}
	var l peerList
	if err := l.addCompact(pkt[udpAnnounceHdrLen:], v6); err != nil {
		return Response{}, err
	}
	resp.Peers = l.peers
	return resp, nil
}

// ParseUDPScrape decodes a scrape reply (BEP 15 action 2): one result per
// info hash of the request, in the same order.
func ParseUDPScrape(pkt []byte) ([]ScrapeResult, error) {
	if err := checkUDPReply(pkt, actionScrape, udpHeaderLen); err != nil {
		return nil, err
	}
	body := pkt[udpHeaderLen:]
	if len(body)%udpScrapeEntryLen != 0 {
		return nil, fmt.Errorf("%w: udp scrape reply: %d bytes of entries", ErrMalformed, len(body))
	}
	n := len(body) / udpScrapeEntryLen
	if n > maxScrapeHashes {
		return nil, fmt.Errorf("%w: udp scrape reply: %d entries", ErrMalformed, n)
	}
	res := make([]ScrapeResult, n)
	for i := range res {
		e := body[i*udpScrapeEntryLen:]
		res[i] = ScrapeResult{
			Complete:   count(binary.BigEndian.Uint32(e)),
			Downloaded: count(binary.BigEndian.Uint32(e[4:])),
			Incomplete: count(binary.BigEndian.Uint32(e[8:])),
		}
	}
	return res, nil
}

// ParseUDPError decodes an error reply (BEP 15 action 3) into the failure
// it reports.
func ParseUDPError(pkt []byte) (*FailureError, error) {
	if err := checkUDPReply(pkt, actionError, udpHeaderLen); err != nil {
		return nil, err
	}
	return &FailureError{Reason: cleanText(string(pkt[udpHeaderLen:]))}, nil
}

// count converts a 32-bit counter from the wire, reading values above
// math.MaxInt32 as zero since no tracker counts that high.
func count(v uint32) int {
	if v > math.MaxInt32 {
		return 0
	}
	return int(v)
}
