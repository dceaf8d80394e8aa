package loadgen

import (
	"encoding/binary"
	"errors"
	"fmt"

	"shoal/internal/bt"
)

// BEP 15 wire constants.
const (
	udpProtocolID = 0x41727101980

	actionConnect  = 0
	actionAnnounce = 1
	actionScrape   = 2
	actionError    = 3

	udpEventNone    = 0
	udpEventStarted = 2

	udpAnnounceLen   = 98
	udpAnnounceHdr   = 20
	udpScrapeEntry   = 12
	maxUDPScrape     = 74 // info hashes per scrape packet
	maxUDPReply      = 2048
	compactPeerV4Len = 6
)

var (
	// errStray is a reply to some other request (another transaction id);
	// the caller keeps waiting for its own.
	errStray    = errors.New("stray reply")
	errUDPReply = errors.New("malformed UDP reply")
)

func appendUDPConnect(dst []byte, txID uint32) []byte {
	dst = binary.BigEndian.AppendUint64(dst, udpProtocolID)
	dst = binary.BigEndian.AppendUint32(dst, actionConnect)
	return binary.BigEndian.AppendUint32(dst, txID)
}

// appendUDPAnnounce writes an announce of peer pe of torrent hash.
func appendUDPAnnounce(dst []byte, connID uint64, txID uint32, hash bt.InfoHash, pe *Peer, event uint32, numWant int32) []byte {
	dst = binary.BigEndian.AppendUint64(dst, connID)
	dst = binary.BigEndian.AppendUint32(dst, actionAnnounce)
	dst = binary.BigEndian.AppendUint32(dst, txID)
	dst = append(dst, hash[:]...)
	dst = append(dst, pe.ID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, 0) // downloaded
	dst = binary.BigEndian.AppendUint64(dst, uint64(pe.Left))
	dst = binary.BigEndian.AppendUint64(dst, 0) // uploaded
	dst = binary.BigEndian.AppendUint32(dst, event)
	dst = binary.BigEndian.AppendUint32(dst, 0) // ip: the source address
	dst = binary.BigEndian.AppendUint32(dst, uint32(pe.Index))
	dst = binary.BigEndian.AppendUint32(dst, uint32(numWant))
	return binary.BigEndian.AppendUint16(dst, pe.Port)
}

func appendUDPScrape(dst []byte, connID uint64, txID uint32, hashes []bt.InfoHash) []byte {
	dst = binary.BigEndian.AppendUint64(dst, connID)
	dst = binary.BigEndian.AppendUint32(dst, actionScrape)
	dst = binary.BigEndian.AppendUint32(dst, txID)
	for _, h := range hashes {
		dst = append(dst, h[:]...)
	}
	return dst
}

// udpHeader checks the action and transaction id of a reply: errStray for
// another transaction, a *TrackerError for an error packet.
func udpHeader(pkt []byte, txID, action uint32) error {
	if len(pkt) < 8 {
		return fmt.Errorf("%w: %d bytes", errUDPReply, len(pkt))
	}
	if binary.BigEndian.Uint32(pkt[4:8]) != txID {
		return errStray
	}
	switch a := binary.BigEndian.Uint32(pkt[0:4]); a {
	case action:
		return nil
	case actionError:
		return trackerError(pkt[8:])
	default:
		return fmt.Errorf("%w: action %d", errUDPReply, a)
	}
}

// parseUDPConnect returns the connection id of a connect reply.
func parseUDPConnect(pkt []byte, txID uint32) (uint64, error) {
	if err := udpHeader(pkt, txID, actionConnect); err != nil {
		return 0, err
	}
	if len(pkt) < 16 {
		return 0, fmt.Errorf("%w: connect reply of %d bytes", errUDPReply, len(pkt))
	}
	return binary.BigEndian.Uint64(pkt[8:16]), nil
}

// parseUDPAnnounce returns how many IPv4 peers an announce reply lists.
func parseUDPAnnounce(pkt []byte, txID uint32) (int, error) {
	if err := udpHeader(pkt, txID, actionAnnounce); err != nil {
		return 0, err
	}
	if len(pkt) < udpAnnounceHdr || (len(pkt)-udpAnnounceHdr)%compactPeerV4Len != 0 {
		return 0, fmt.Errorf("%w: announce reply of %d bytes", errUDPReply, len(pkt))
	}
	return (len(pkt) - udpAnnounceHdr) / compactPeerV4Len, nil
}

// SwarmCounts is what a scrape reports about one torrent.
type SwarmCounts struct {
	Seeders   uint32
	Completed uint32
	Leechers  uint32
}

// parseUDPScrape appends the n entries of a scrape reply to dst.
func parseUDPScrape(pkt []byte, txID uint32, n int, dst []SwarmCounts) ([]SwarmCounts, error) {
	if err := udpHeader(pkt, txID, actionScrape); err != nil {
		return dst, err
	}
	if len(pkt) != 8+n*udpScrapeEntry {
		return dst, fmt.Errorf("%w: scrape reply of %d bytes for %d torrents", errUDPReply, len(pkt), n)
	}
	for b := pkt[8:]; len(b) >= udpScrapeEntry; b = b[udpScrapeEntry:] {
		dst = append(dst, SwarmCounts{
			Seeders:   binary.BigEndian.Uint32(b[0:4]),
			Completed: binary.BigEndian.Uint32(b[4:8]),
			Leechers:  binary.BigEndian.Uint32(b[8:12]),
		})
	}
	return dst, nil
}
