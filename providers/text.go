package providers

import "strings"

// MaxProviderText caps provider-sent text copied into a Result message.
const MaxProviderText = 200

// Redact removes each of secrets from provider-sent text (a hostile server
// may echo what it received), then clips it with Clip to MaxProviderText.
// TestConnection scrubs the credential's own secrets; adapters use Redact
// for tokens derived from them, which only the adapter knows.
func Redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
		}
	}
	return Clip(msg, MaxProviderText)
}

// Clip shortens s to at most n bytes on a rune boundary, replacing control
// characters with spaces.
func Clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// TransportStatus classifies an error from the safe client (no response):
// the status and a message free of secrets.
func TransportStatus(err error) (Status, string) {
	r := ErrorResult(err, "")
	return r.Status, r.Message
}
