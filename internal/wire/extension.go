package wire

import (
	"fmt"
	"math"

	"shoal/internal/bencode"
)

// MaxExtHandshakeLen is the largest extension handshake payload
// ParseExtHandshake accepts, in bytes.
const MaxExtHandshakeLen = 64 << 10

// MaxExtensions is the largest number of entries ParseExtHandshake
// accepts in the "m" dictionary.
const MaxExtensions = 128

// ExtHandshake is the payload of the extension handshake (BEP 10), the
// extended message with ExtHandshakeID. It is sent once after the
// handshake when both sides set the Extended reserved bit, and may be
// sent again later to change M.
type ExtHandshake struct {
	// M maps extension names (such as "ut_metadata") to the extended
	// message id the sender wants to receive them with, 1 to 255. An id
	// of 0 disables an extension enabled by an earlier handshake.
	M map[string]int `bencode:"m"`
	// V is the client name and version.
	V string `bencode:"v,omitempty"`
	// P is the sender's listening TCP port, 0 if unknown.
	P int `bencode:"p,omitempty"`
	// Reqq is how many outstanding requests the sender accepts, 0 if
	// unknown. It is not capped here; callers apply their own limit.
	Reqq int `bencode:"reqq,omitempty"`
	// YourIP is the receiver's address as the sender sees it: 4 or 16 bytes.
	YourIP []byte `bencode:"yourip,omitempty"`
	// IPv6 is the sender's IPv6 address: 16 bytes.
	IPv6 []byte `bencode:"ipv6,omitempty"`
	// MetadataSize is the length of the info dictionary (BEP 9), 0 if unknown.
	MetadataSize int `bencode:"metadata_size,omitempty"`
	// UploadOnly announces that the sender will not download (BEP 21).
	UploadOnly bool `bencode:"upload_only,omitempty"`
}

// ExtID returns the extended message id the handshake's sender assigned
// to the named extension, and whether the extension is enabled.
func (h ExtHandshake) ExtID(name string) (uint8, bool) {
	id, ok := h.M[name]
	if !ok || id < 1 || id > math.MaxUint8 {
		return 0, false
	}
	return uint8(id), true
}

// Marshal returns the bencoded handshake, to be sent with
// AppendExtended(b, ExtHandshakeID, payload).
func (h ExtHandshake) Marshal() ([]byte, error) {
	if len(h.M) > MaxExtensions {
		return nil, fmt.Errorf("wire: extension handshake: %d extensions, limit %d", len(h.M), MaxExtensions)
	}
	for name, id := range h.M {
		if id < 0 || id > math.MaxUint8 {
			return nil, fmt.Errorf("wire: extension handshake: %q has id %d", name, id)
		}
	}
	if h.M == nil {
		h.M = map[string]int{} // BEP 10 requires the dictionary, even empty
	}
	b, err := bencode.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("wire: extension handshake: %w", err)
	}
	if len(b) > MaxExtHandshakeLen {
		return nil, fmt.Errorf("wire: extension handshake of %d bytes, limit %d", len(b), MaxExtHandshakeLen)
	}
	return b, nil
}

// ParseExtHandshake decodes an extension handshake payload. The payload
// must be a bencoded dictionary of at most MaxExtHandshakeLen bytes with
// at most MaxExtensions entries in "m". Unknown keys are ignored, and so
// are known keys whose values have the wrong type or are out of range
// (an "m" entry outside 0..255, a port outside 1..65535, an address of
// the wrong length, a negative count), as other clients do. Errors wrap
// ErrProtocol.
func ParseExtHandshake(payload []byte) (ExtHandshake, error) {
	var h ExtHandshake
	if len(payload) > MaxExtHandshakeLen {
		return h, fmt.Errorf("%w: extension handshake of %d bytes, limit %d",
			ErrProtocol, len(payload), MaxExtHandshakeLen)
	}
	v, err := bencode.Decode(payload)
	if err != nil {
		return h, fmt.Errorf("%w: extension handshake: %w", ErrProtocol, err)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return h, fmt.Errorf("%w: extension handshake is not a dictionary", ErrProtocol)
	}
	if m, ok := d["m"].(map[string]any); ok {
		if len(m) > MaxExtensions {
			return h, fmt.Errorf("%w: extension handshake: %d extensions, limit %d",
				ErrProtocol, len(m), MaxExtensions)
		}
		h.M = make(map[string]int, len(m))
		for name, id := range m {
			if id, ok := id.(int64); ok && id >= 0 && id <= math.MaxUint8 {
				h.M[name] = int(id)
			}
		}
	}
	h.V, _ = d["v"].(string)
	h.P = intIn(d["p"], 1, math.MaxUint16)
	h.Reqq = intIn(d["reqq"], 1, math.MaxInt32)
	h.MetadataSize = intIn(d["metadata_size"], 1, math.MaxInt32)
	if n, ok := d["upload_only"].(int64); ok {
		h.UploadOnly = n != 0
	}
	if ip, ok := d["yourip"].(string); ok && (len(ip) == 4 || len(ip) == 16) {
		h.YourIP = []byte(ip)
	}
	if ip, ok := d["ipv6"].(string); ok && len(ip) == 16 {
		h.IPv6 = []byte(ip)
	}
	return h, nil
}

// intIn returns v as an int if it is an integer in lo..hi, or 0.
func intIn(v any, lo, hi int64) int {
	n, ok := v.(int64)
	if !ok || n < lo || n > hi {
		return 0
	}
	return int(n)
}
