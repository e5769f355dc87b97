package providers

import (
	"strings"

	"github.com/credvault/credvault/internal/clip"
)

// MaxProviderText caps provider-sent text copied into a Result message.
const MaxProviderText = 200

// Redact removes each of secrets from provider-sent text (a hostile server
// may echo what it received), then clips it with Clip to MaxProviderText.
// TestConnection scrubs the credential's own secrets; adapters use Redact
// for tokens derived from them, which only the adapter knows.
// Text that was clipped before reaching Redact loses the start of a
// secret at its end too.
func Redact(msg string, secrets ...string) string {
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
			nonEmpty = append(nonEmpty, s)
		}
	}
	return Clip(scrubClippedTail(msg, nonEmpty), MaxProviderText)
}

// Clip drops control and other non-printing characters, so a hostile body
// cannot forge log lines, and shortens s to at most n bytes on a rune
// boundary, so it cannot flood a Result.
func Clip(s string, n int) string { return clip.Clip(s, n) }
