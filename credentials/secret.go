package credentials

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Redacted is what every printed, marshalled or logged Secret shows.
const Redacted = "[REDACTED]"

// A Secret holds one secret value: a password, a token, a private key.
//
// Every way a Secret can be printed or serialised by accident — fmt with any
// verb, encoding/json, encoding.TextMarshaler, log/slog — yields the fixed
// string [Redacted]. The value is read only through [Secret.Reveal], so each
// place that handles plaintext can be found with grep.
//
// The zero Secret is empty. Secrets are immutable: Reveal returns a copy of
// the string, which Go does not let us zero; see SECURITY.md.
//
// The value sits behind a pointer so that fmt's reflection fallbacks, which
// skip Format (a bad verb such as %p, or a Secret in an unexported struct
// field), print an address rather than the plaintext. Compare secrets with
// [Secret.Equal]: == compares identity, and reflect.DeepEqual contents.
type Secret struct {
	// p points at the string itself, not at a struct: fmt's fallback
	// dereferences a pointer to a struct even at the top level, but prints
	// a pointer to a string as an address.
	p *string
}

// NewSecret wraps s as a Secret. NewSecret("") is the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the plaintext. Call it only where the secret must leave the
// process (an Authorization header, a KMS request) or be sealed.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// Len returns the length of the secret in bytes without revealing it.
func (s Secret) Len() int { return len(s.Reveal()) }

// Equal compares two secrets in constant time (for equal lengths).
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

// String implements fmt.Stringer and never returns the secret.
func (Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer for %#v and never returns the secret.
func (Secret) GoString() string { return `credentials.Secret("` + Redacted + `")` }

// Format implements fmt.Formatter so every verb (%v %+v %#v %s %q %x %d ...)
// prints the redaction.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", Redacted)
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(Redacted))
	default:
		_, _ = f.Write([]byte(Redacted))
	}
}

// MarshalJSON implements json.Marshaler and emits the redaction, never the
// value: the vault seals a credential in its own binary encoding.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler with the redaction.
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue implements slog.LogValuer with the redaction.
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Formatter  = Secret{}
	_ fmt.GoStringer = Secret{}
	_ slog.LogValuer = Secret{}
)
