package registry

import (
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/clip"
)

// MaxProviderText caps provider-sent text copied into a Result message.
const MaxProviderText = 200

// minSecretPrefix is the shortest secret prefix scrubClippedTail redacts;
// shorter tails match ordinary text too often to mean anything.
const minSecretPrefix = 4

// Redact removes each of secrets from provider-sent text (a hostile server
// may echo what it received), then clips it to MaxProviderText. Run
// scrubs the credential's own secrets; adapters use Redact for tokens
// derived from them, which only the adapter knows. Text that was clipped
// before reaching Redact loses the start of a secret at its end too.
func Redact(msg string, secrets ...string) string {
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, credentials.Redacted)
			nonEmpty = append(nonEmpty, s)
		}
	}
	return clip.Clip(scrubClippedTail(msg, nonEmpty), MaxProviderText)
}

// scrubClippedTail redacts a prefix of any secret that ends a clipped
// message (one ending in clip.Clip's "…"): provider text is clipped before
// the final scrub, which needs the whole secret to match.
func scrubClippedTail(s string, secrets []string) string {
	body, clipped := strings.CutSuffix(s, "…")
	if !clipped {
		return s
	}
	for _, v := range secrets {
		for k := min(len(v)-1, len(body)); k >= minSecretPrefix; k-- {
			if strings.HasSuffix(body, v[:k]) {
				return body[:len(body)-k] + credentials.Redacted + "…"
			}
		}
	}
	return s
}
