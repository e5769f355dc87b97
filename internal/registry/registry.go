// Package registry is the plumbing the connection-test adapters share:
// the table of checkers, the session a checker runs in (one safe HTTP
// client, the address policy, endpoint rewriting, round-trip counting),
// the one way to send a request and turn its answer into a [Result], the
// registry v2 challenge and token flow, and the scrubbing of secrets from
// what a provider sends back.
//
// Package providers owns the public API (Target, Options, Result,
// TestConnection); it registers its built-in checkers here and runs the
// one a target's provider needs through [Run]. The cloud adapters
// (providers/ecr, providers/acr, providers/gar) register theirs from init,
// so a program links a cloud SDK only when it imports that adapter.
//
// # Scrubbing
//
// A hostile server may echo what it received, and Go may re-encode it on
// the way (net/http quotes a bad Location header with %q). So a session
// scrubs every secret it knows from what a Result shows:
//
//   - What it knows: the credential's secret fields (registered by [Run]),
//     everything secret each request carries (registered by the session's
//     transport as the request leaves, whichever adapter or SDK built it:
//     the Basic header as sent and its password, Bearer tokens, API-key
//     and session-token headers, secret form fields such as a client
//     secret, a signed JWT assertion or an exchanged token), and what an
//     adapter adds with [Session.AddSecrets] for values never sent whole
//     (GAR's private_key_id, STS's temporary secret key). A token
//     received from an exchange is registered when it is first sent, in
//     the next request of the flow, before any answer to it is read.
//   - In which forms: raw; JSON-string-escaped, Go-quoted and ASCII-only
//     variants of those; each URL query-, path-segment- and path-escaped;
//     base64 standard and URL-safe, padded and unpadded; all with
//     lower-case hex escapes and with non-printing runes removed. The
//     forms of a value are computed once, when it is registered.
//   - When: provider text (an error body's code and message, an error's
//     text, a URL a server chose) is scrubbed raw, then cleaned of
//     non-printing runes, scrubbed again, and only then clipped, so
//     neither an NBSP inside a secret nor a clip through it hides one.
//     [Run] scrubs the Result's fields once more.
//   - How: each match is replaced by [credentials.Redacted]; overlapping
//     matches are merged, so no piece of a secret survives between them.
//     The rest of the text stays, so a message still says what failed,
//     at which step, and the endpoint.
//
// A form shorter than 4 bytes (a one-character password, its JSON form)
// would match ordinary words, so it counts only as a whole token: not
// touching a letter or digit on a side where it ends in one. Provider
// text quoting it so is withheld whole ("[provider text withheld: it
// quotes a secret]"); in a provider code or a URL's path the token is
// replaced; a URL's host, and the text a checker writes itself, are left
// alone. So a one-character password no longer blanks the endpoint or
// the message; it only costs the provider's own words when they quote it.
package registry

import (
	"context"
	"sync"

	"github.com/credvault/credvault/credentials"
)

// A Checker performs one provider's protocol against t with c (nil for an
// anonymous check) and returns the outcome. [Run] fills in nothing but
// scrubs the Result once more (see Scrubbing); the caller adds latency
// and round trips. A checker quotes provider text only through
// [Session.Redact], [Session.RedactCode] and [Session.TransportStatus].
type Checker func(ctx context.Context, s *Session, t Target, c credentials.Credential) Result

var checkers = struct {
	sync.RWMutex
	m map[string]Checker
}{m: map[string]Checker{}}

// Register makes c the checker of provider (the providers.Provider
// value). Adapter packages call it from init.
//
// Like kek.RegisterScheme and database/sql.Register, it panics if
// provider is empty, if c is nil, or if provider is already registered:
// these are programming errors found at start-up.
func Register(provider string, c Checker) {
	if provider == "" || c == nil {
		panic("registry: Register: empty provider or nil checker")
	}
	checkers.Lock()
	defer checkers.Unlock()
	if _, dup := checkers.m[provider]; dup {
		panic("registry: Register: provider " + provider + " registered twice")
	}
	checkers.m[provider] = c
}

// Lookup returns the checker registered for provider.
func Lookup(provider string) (Checker, bool) {
	checkers.RLock()
	defer checkers.RUnlock()
	c, ok := checkers.m[provider]
	return c, ok
}
