package server

import (
	"encoding/binary"
	"errors"
	"fmt"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// BEP 15 wire constants.
const (
	udpProtocolID = 0x41727101980

	actionConnect  = 0
	actionAnnounce = 1
	actionScrape   = 2
	actionError    = 3

	udpHeaderLen       = 16 // connection id, action, transaction id
	udpAnnounceLen     = 98
	udpConnectReplyLen = 16
	udpAnnounceHdrLen  = 20 // announce reply before the peers
	udpScrapeEntryLen  = 12
	udpErrorHdrLen     = 8

	// MaxUDPScrapeHashes is the most info hashes one UDP scrape may hold
	// (BEP 15: about 74 fit in one packet).
	MaxUDPScrapeHashes = 74

	// maxUDPPacket is the largest request read; longer datagrams are dropped.
	maxUDPPacket = 2048

	// Replies stay within one unfragmented datagram on a 1500-byte link.
	maxUDPReplyV4 = 1500 - 20 - 8
	maxUDPReplyV6 = 1500 - 40 - 8
)

// UDP event numbers (BEP 15); they differ from registry.Event's.
const (
	udpEventNone      = 0
	udpEventCompleted = 1
	udpEventStarted   = 2
	udpEventStopped   = 3
)

var errUDPShort = errors.New("short packet")

// udpRequest is a decoded BEP 15 request.
type udpRequest struct {
	connID uint64
	action uint32
	txID   uint32

	// announce
	infoHash   bt.InfoHash
	peerID     bt.PeerID
	downloaded int64
	left       int64
	uploaded   int64
	event      registry.Event
	ip         uint32
	key        uint32
	numWant    int32
	port       uint16

	// scrape: n*20 bytes of info hashes, aliasing the packet
	hashes []byte
}

// parseUDPRequest decodes one datagram. Packets shorter than the common
// header fail with errUDPShort; for any other error the header fields
// (connID, action, txID) are filled in so that an error can be sent back.
// Bytes after an announce (BEP 41 options) are ignored.
func parseUDPRequest(b []byte) (udpRequest, error) {
	var r udpRequest
	if len(b) < udpHeaderLen {
		return r, errUDPShort
	}
	r.connID = binary.BigEndian.Uint64(b[0:8])
	r.action = binary.BigEndian.Uint32(b[8:12])
	r.txID = binary.BigEndian.Uint32(b[12:16])
	switch r.action {
	case actionConnect:
		if r.connID != udpProtocolID {
			return r, errors.New("bad protocol id")
		}
	case actionAnnounce:
		if len(b) < udpAnnounceLen {
			return r, errors.New("short announce")
		}
		copy(r.infoHash[:], b[16:36])
		copy(r.peerID[:], b[36:56])
		r.downloaded = int64(binary.BigEndian.Uint64(b[56:64]))
		r.left = int64(binary.BigEndian.Uint64(b[64:72]))
		r.uploaded = int64(binary.BigEndian.Uint64(b[72:80]))
		switch ev := binary.BigEndian.Uint32(b[80:84]); ev {
		case udpEventNone:
			r.event = registry.EventNone
		case udpEventCompleted:
			r.event = registry.EventCompleted
		case udpEventStarted:
			r.event = registry.EventStarted
		case udpEventStopped:
			r.event = registry.EventStopped
		default:
			return r, fmt.Errorf("bad event %d", ev)
		}
		r.ip = binary.BigEndian.Uint32(b[84:88])
		r.key = binary.BigEndian.Uint32(b[88:92])
		r.numWant = int32(binary.BigEndian.Uint32(b[92:96]))
		r.port = binary.BigEndian.Uint16(b[96:98])
		if r.port == 0 {
			return r, errors.New("bad port")
		}
	case actionScrape:
		body := b[udpHeaderLen:]
		switch {
		case len(body) == 0:
			return r, errors.New("no info hash")
		case len(body)%20 != 0:
			return r, errors.New("partial info hash")
		case len(body)/20 > MaxUDPScrapeHashes:
			return r, errors.New("too many info hashes")
		}
		r.hashes = body
	default:
		return r, errors.New("bad action")
	}
	return r, nil
}

func appendUDPHeader(dst []byte, action, txID uint32) []byte {
	dst = binary.BigEndian.AppendUint32(dst, action)
	return binary.BigEndian.AppendUint32(dst, txID)
}

func appendUDPConnectReply(dst []byte, txID uint32, connID uint64) []byte {
	dst = appendUDPHeader(dst, actionConnect, txID)
	return binary.BigEndian.AppendUint64(dst, connID)
}

// putUDPAnnounceCounts fills in the interval and counts of an announce
// reply whose header was reserved with zeros.
func putUDPAnnounceCounts(reply []byte, interval uint32, res *registry.AnnounceResult) {
	binary.BigEndian.PutUint32(reply[8:12], interval)
	binary.BigEndian.PutUint32(reply[12:16], clampU32(res.Leechers))
	binary.BigEndian.PutUint32(reply[16:20], clampU32(res.Seeders))
}

func appendUDPScrapeEntry(dst []byte, st registry.SwarmStats) []byte {
	dst = binary.BigEndian.AppendUint32(dst, clampU32(st.Seeders))
	dst = binary.BigEndian.AppendUint32(dst, uint32(min(st.Completed, 1<<32-1)))
	return binary.BigEndian.AppendUint32(dst, clampU32(st.Leechers))
}

// appendUDPError writes an error reply, cutting msg so that the reply is at
// most limit bytes; it writes nothing if even the header does not fit.
func appendUDPError(dst []byte, txID uint32, msg string, limit int) []byte {
	if limit < udpErrorHdrLen {
		return dst
	}
	if len(msg) > limit-udpErrorHdrLen {
		msg = msg[:limit-udpErrorHdrLen]
	}
	dst = appendUDPHeader(dst, actionError, txID)
	return append(dst, msg...)
}

func clampU32(n int) uint32 {
	if n < 0 {
		return 0
	}
	return uint32(min(uint64(n), 1<<32-1))
}
