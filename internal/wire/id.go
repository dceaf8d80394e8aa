package wire

import "strconv"

// ID is the first byte of a message body.
type ID uint8

// Message IDs of BEP 3, BEP 5 (Port), BEP 6 and BEP 10 (Extended).
const (
	Choke         ID = 0
	Unchoke       ID = 1
	Interested    ID = 2
	NotInterested ID = 3
	Have          ID = 4
	Bitfield      ID = 5
	Request       ID = 6
	Piece         ID = 7
	Cancel        ID = 8
	Port          ID = 9
	Suggest       ID = 0x0d
	HaveAll       ID = 0x0e
	HaveNone      ID = 0x0f
	Reject        ID = 0x10
	AllowedFast   ID = 0x11
	Extended      ID = 20
)

var idNames = [...]string{
	Choke:         "choke",
	Unchoke:       "unchoke",
	Interested:    "interested",
	NotInterested: "not interested",
	Have:          "have",
	Bitfield:      "bitfield",
	Request:       "request",
	Piece:         "piece",
	Cancel:        "cancel",
	Port:          "port",
	Suggest:       "suggest",
	HaveAll:       "have all",
	HaveNone:      "have none",
	Reject:        "reject",
	AllowedFast:   "allowed fast",
	Extended:      "extended",
}

// Known reports whether the package knows how to parse messages with id.
func (id ID) Known() bool {
	return int(id) < len(idNames) && idNames[id] != ""
}

// String returns the message name, or "ID(n)" for an unknown id.
func (id ID) String() string {
	if id.Known() {
		return idNames[id]
	}
	return "ID(" + strconv.Itoa(int(id)) + ")"
}
