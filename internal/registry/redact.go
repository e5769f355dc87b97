package registry

import (
	"math"

	"github.com/credvault/credvault/internal/clip"
)

// MaxProviderText caps provider-sent text copied into a Result message.
const MaxProviderText = 200

// AddSecrets registers values a check derived from its credential, which
// a server may echo but the session cannot see being sent (a private key
// ID named inside a signed assertion). The session registers the
// credential's secrets, and everything secret it sends, itself.
func (s *Session) AddSecrets(values ...string) { s.secrets.add(values...) }

// Redact returns provider-sent text (an error description, a subject)
// fit for a Result message: scrubbed of every registered secret in every
// encoding while still raw, then cleaned of non-printing runes, scrubbed
// again (removing a rune can join a secret back together), and only then
// clipped to MaxProviderText. Text quoting a short secret is withheld
// whole.
func (s *Session) Redact(text string) string { return s.quote(text, MaxProviderText) }

// RedactCode is Redact for a provider's error code, clipped to 64 bytes.
func (s *Session) RedactCode(code string) string { return s.quote(code, maxCode) }

// quote scrubs, cleans, scrubs and clips provider text to n bytes.
func (s *Session) quote(text string, n int) string {
	clean := clip.Clip(s.secrets.quote(text), math.MaxInt)
	return clip.Clip(s.secrets.quote(clean), n)
}

// shown is Shown for a URL a server may have chosen (a realm, a
// redirect): scrubbed before it is clipped, and again once re-escaped.
func (s *Session) shown(raw string) string { return shownURL(raw, s.secrets.url) }
