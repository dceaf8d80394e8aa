package pairbench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Content is a traffic profile: messages of one pair, at Rate a second,
// of MinSize to MaxSize payload bytes (uniform), and every KeyEvery-th
// message (when KeyEvery > 0) of KeySize bytes instead, like the key
// frames of a video stream.
type Content struct {
	Name             string
	Rate             float64
	MinSize, MaxSize int
	KeyEvery         int
	KeySize          int
}

// The profiles.
var (
	// Text is chat: short lines at two a second.
	Text = Content{Name: "text", Rate: 2, MinSize: 16, MaxSize: 256}
	// Audio is a voice call: 160-byte frames (20 ms of 64 kbit/s G.711)
	// at 50 a second.
	Audio = Content{Name: "audio", Rate: 50, MinSize: 160, MaxSize: 160}
	// Video is a video call: 30 frames a second, delta frames of 2 to 14
	// KiB and a 60 KiB key frame every second, about 2.4 Mbit/s.
	Video = Content{Name: "video", Rate: 30, MinSize: 2 << 10, MaxSize: 14 << 10, KeyEvery: 30, KeySize: 60 << 10}
)

// Contents are the profiles by name.
var Contents = []Content{Text, Audio, Video}

// ParseContents parses "text", "audio", "video", a comma-separated list
// of them, or "all".
func ParseContents(s string) ([]Content, error) {
	if s == "all" {
		return Contents, nil
	}
	var out []Content
	for _, name := range strings.Split(s, ",") {
		found := false
		for _, c := range Contents {
			if c.Name == strings.TrimSpace(name) {
				out = append(out, c)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("pairbench: content %q: want text, audio, video or all", name)
		}
	}
	return out, nil
}

// size is the payload size of message seq (from 1).
func (c Content) size(seq uint64, r *rand.Rand) int {
	if c.KeyEvery > 0 && seq%uint64(c.KeyEvery) == 1 {
		return c.KeySize
	}
	if c.MaxSize <= c.MinSize {
		return c.MinSize
	}
	return c.MinSize + r.IntN(c.MaxSize-c.MinSize+1)
}

// MeanSize is the expected payload size.
func (c Content) MeanSize() float64 {
	m := float64(c.MinSize+max(c.MaxSize, c.MinSize)) / 2
	if c.KeyEvery > 0 {
		k := float64(c.KeyEvery)
		m = (m*(k-1) + float64(c.KeySize)) / k
	}
	return m
}

// String describes the profile.
func (c Content) String() string {
	return fmt.Sprintf("%s: %.0f msg/s of %.0f B on average (%.1f kbit/s)", c.Name, c.Rate, c.MeanSize(), c.Rate*c.MeanSize()*8/1000)
}

// text is lower-case ASCII that payloads are cut from; upper is its
// reference reply.
var text, upper = func() ([]byte, []byte) {
	const s = "the quick brown fox jumps over the lazy dog; "
	var b strings.Builder
	for b.Len() < 2*maxPayload {
		b.WriteString(s)
	}
	return []byte(b.String()), []byte(strings.ToUpper(b.String()))
}()

const maxPayload = 64 << 10
