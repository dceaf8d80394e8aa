package client

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText makes a string from a tracker safe to show on a terminal: it
// replaces invalid UTF-8 and unprintable characters (controls, and format
// characters such as bidirectional overrides), turns tabs and newlines
// into spaces, cuts the result to maxText bytes and trims surrounding
// space. Cleaning a cleaned string changes nothing.
func cleanText(s string) string {
	if len(s) > 4*maxText {
		s = s[:4*maxText]
	}
	var b strings.Builder
	b.Grow(min(len(s), maxText))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n':
			r = ' '
		case !unicode.IsPrint(r):
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > maxText {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
