// Package pairbench measures rendezvous links between pairs of peers in
// two clusters: how many pairs get a direct link, a relayed one or none,
// how long a link takes to set up, how long the routers take to find a
// peer of the other cluster, and what the links carry for three kinds of
// content (text, audio-like and video-like message streams): message
// sizes, transmission times, throughput and messages lost.
//
// Side A of every pair dials through its router; side B answers with the
// reference message service of package service (every message comes back
// in upper case with its sequence number), so each reply both acknowledges
// and checks a message. Run runs both sides in one process, with two
// federated routers of its own on loopback when no routers are given;
// Answer and RunDial run one side each, so that the two clusters can be
// separate processes on separate networks (the NAT tests in package
// nattest). Peer keys are derived from a shared seed, so the dialing side
// knows the IDs of the answering side without asking.
//
// The package implements no BEP.
package pairbench
