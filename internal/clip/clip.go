// Package clip renders untrusted text (a provider's error body, a
// caller's key ID) for an error message or a result.
package clip

import (
	"strings"
	"unicode"
)

// Clip drops control and other non-printing characters, so the text
// cannot forge log lines, and shortens s to at most n bytes on a rune
// boundary, marking the cut with "…", so it cannot flood a message.
func Clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
