// Package rdvtest runs rendezvous routers and nodes on loopback for the
// tests of the packages that use them. It implements no protocol.
package rdvtest
