// Package router is the rendezvous router of a cluster. Peers keep one
// authenticated control connection to their home router; the router maps
// the IDs of its own peers to those connections, asks federated routers
// (pinned by ID) about other IDs, introduces two peers to each other with
// their observed and private addresses and a plan for a direct TCP link,
// and relays bytes, with caps, when no direct link can be made.
//
// The decisions (routing table, connect state machine, timeouts, rate
// limits, link plans) are plain code in core.go, plan.go and limits.go,
// driven with an explicit time; server.go, session.go, federation.go and
// relay.go are the thin goroutine and socket layer around them.
//
// It implements no BEP; the wire format is package proto.
package router
