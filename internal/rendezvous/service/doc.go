// Package service holds the reference services that run over a
// rendezvous link (package node): a message exchange in which the server
// answers every text in upper case, and a file transfer with a SHA-256
// receipt. Requests carry sequence numbers that replies echo.
//
// A frame is a 1-byte type, an 8-byte sequence number, a 4-byte payload
// length and the payload; file contents follow their File frame as raw
// bytes. It implements no BEP.
package service
