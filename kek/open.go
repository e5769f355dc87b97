package kek

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// MaxURLSize bounds a KEK URL given to Open.
const MaxURLSize = 4096

// ErrUnknownScheme: no package registered the URL's scheme with
// RegisterScheme (usually a missing import). Open reports it as an
// *UnknownSchemeError.
var ErrUnknownScheme = errors.New("kek: unknown URL scheme")

// An Opener opens the KEK a parsed URL names. Openers are registered by
// backend packages with RegisterScheme. An Opener must not quote the URL's
// query, user info or fragment in its errors (Open also checks).
type Opener func(ctx context.Context, u *url.URL) (KEK, error)

// schemeHints tells a user which package serves a well-known scheme.
var schemeHints = map[string]string{
	"local":         "github.com/credvault/credvault/kek/local",
	"awskms":        "github.com/credvault/credvault/kek/awskms",
	"gcpkms":        "github.com/credvault/credvault/kek/gocloud (and gocloud.dev/secrets/gcpkms)",
	"azurekeyvault": "github.com/credvault/credvault/kek/gocloud (and gocloud.dev/secrets/azurekeyvault)",
	"hashivault":    "github.com/credvault/credvault/kek/gocloud (and gocloud.dev/secrets/hashivault)",
	"base64key":     "github.com/credvault/credvault/kek/gocloud (and gocloud.dev/secrets/localsecrets)",
}

var schemes = struct {
	sync.RWMutex
	m map[string]Opener
}{m: map[string]Opener{}}

// RegisterScheme makes Open (and the resolvers) open URLs of scheme with
// open. Backend packages call it from init: importing kek/local registers
// "local", kek/awskms "awskms", kek/gocloud "gcpkms", "azurekeyvault",
// "hashivault" and "base64key". The kek package itself imports no backend,
// so a program pays only for the backends it imports.
//
// Like database/sql.Register, it panics if scheme is not a valid lower-case
// URL scheme, if open is nil, or if scheme is already registered: these are
// programming errors found at start-up.
func RegisterScheme(scheme string, open Opener) {
	if !validScheme(scheme) || open == nil {
		panic("kek: RegisterScheme: invalid scheme or nil opener")
	}
	schemes.Lock()
	defer schemes.Unlock()
	if _, dup := schemes.m[scheme]; dup {
		panic("kek: RegisterScheme: scheme " + scheme + " registered twice")
	}
	schemes.m[scheme] = open
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	schemes.RLock()
	defer schemes.RUnlock()
	out := make([]string, 0, len(schemes.m))
	for s := range schemes.m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// validScheme reports whether s is a lower-case URL scheme of at most 32
// bytes: [a-z][a-z0-9+.-]*.
func validScheme(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func lookupScheme(scheme string) (Opener, bool) {
	schemes.RLock()
	defer schemes.RUnlock()
	open, ok := schemes.m[scheme]
	return open, ok
}

// Open opens the KEK rawURL names, through the Opener registered for its
// scheme. See each backend's package documentation for its URL form:
//
//	local:///var/lib/credvault/keysets?org=acme&root_key_file=/etc/credvault/root.key
//	awskms://alias/credvault-acme?region=eu-west-1
//	awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...
//	gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k
//
// Errors match a kek sentinel under errors.Is: ErrUnknownScheme (an
// *UnknownSchemeError) when no imported package registered the scheme,
// ErrInvalidInput for a malformed URL, or what the backend reports. No
// error contains the URL's query, user info or fragment, which may hold
// credentials or, for base64key://, the key itself.
func Open(ctx context.Context, rawURL string) (KEK, error) {
	u, err := parseKEKURL(rawURL)
	if err != nil {
		return nil, err
	}
	open, ok := lookupScheme(u.Scheme)
	if !ok {
		return nil, &UnknownSchemeError{Scheme: u.Scheme, Registered: Schemes()}
	}
	if err := ctx.Err(); err != nil {
		return nil, &OpenError{Scheme: u.Scheme, Err: err}
	}
	k, err := open(ctx, u)
	if err != nil {
		return nil, &OpenError{Scheme: u.Scheme, Err: scrub(err, u)}
	}
	if k == nil {
		return nil, &OpenError{Scheme: u.Scheme, Err: errors.New("opener returned no KEK")}
	}
	return k, nil
}

// parseKEKURL parses rawURL without ever quoting it in an error.
func parseKEKURL(rawURL string) (*url.URL, error) {
	if len(rawURL) > MaxURLSize {
		return nil, &OpenError{Err: errors.Join(ErrInvalidInput, errors.New("URL too long"))}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		// url.Parse errors quote the URL: drop them.
		return nil, &OpenError{Err: errors.Join(ErrInvalidInput, errors.New("malformed KEK URL"))}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// An OpenError is a failure to open a KEK by URL. Its message names the
// scheme, never the rest of the URL.
type OpenError struct {
	// Scheme is the URL's scheme ("" when the URL did not parse).
	Scheme string
	// Err is the cause; it matches a kek sentinel under errors.Is.
	Err error
}

// Error implements error.
func (e *OpenError) Error() string {
	if e.Scheme == "" {
		return "kek: open: " + e.Err.Error()
	}
	return "kek: open " + e.Scheme + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *OpenError) Unwrap() error { return e.Err }

// An UnknownSchemeError reports a URL scheme no imported package
// registered. It matches ErrUnknownScheme.
type UnknownSchemeError struct {
	// Scheme is the URL's scheme.
	Scheme string
	// Registered lists the schemes that are registered.
	Registered []string
}

// Error implements error.
func (e *UnknownSchemeError) Error() string {
	msg := "kek: unknown URL scheme " + quoteScheme(e.Scheme) + " (registered: "
	if len(e.Registered) == 0 {
		msg += "none"
	}
	msg += strings.Join(e.Registered, ", ") + ")"
	if pkg, ok := schemeHints[e.Scheme]; ok {
		return msg + "; import " + pkg
	}
	return msg + "; import the package that registers it (kek/local, kek/awskms or kek/gocloud)"
}

// Is matches ErrUnknownScheme.
func (e *UnknownSchemeError) Is(target error) bool { return target == ErrUnknownScheme }

// quoteScheme quotes a scheme for a message, refusing odd ones.
func quoteScheme(s string) string {
	if !validScheme(s) {
		return "(invalid)"
	}
	return `"` + s + `"`
}

// sentinels are the errors a scrubbed error keeps matching.
var sentinels = []error{
	ErrUnwrap, ErrKeyNotFound, ErrKeyDisabled, ErrKeyDestroyed, ErrKeyInUse,
	ErrAccessDenied, ErrContextMismatch, ErrUnavailable, ErrInvalidInput,
	ErrUnknownScheme, context.Canceled, context.DeadlineExceeded,
}

// scrub returns err, or, if its text quotes a secret-bearing part of u (the
// query or any query value, user info, fragment, or a base64key:// host,
// which is the key), an error with a fixed message that matches the same
// sentinels. It is a second line of defence behind each Opener's own care.
func scrub(err error, u *url.URL) error {
	msg := err.Error()
	for _, s := range secretParts(u) {
		if strings.Contains(msg, s) {
			var kinds []error
			for _, k := range sentinels {
				if errors.Is(err, k) {
					kinds = append(kinds, k)
				}
			}
			return &withheldError{kinds: kinds}
		}
	}
	return err
}

// minSecretLen is the shortest URL part scrub looks for; shorter values
// ("1", "eu") would match innocent text and carry no secret worth hiding.
const minSecretLen = 4

// secretParts lists the parts of u that may hold secrets.
func secretParts(u *url.URL) []string {
	parts := []string{u.RawQuery, u.Fragment, u.RawFragment}
	if u.User != nil {
		parts = append(parts, u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			parts = append(parts, p)
		}
	}
	if u.Scheme == "base64key" {
		parts = append(parts, u.Host)
	}
	for _, vs := range u.Query() {
		parts = append(parts, vs...)
	}
	out := parts[:0]
	for _, p := range parts {
		if len(p) >= minSecretLen {
			out = append(out, p)
		}
	}
	return out
}

// withheldError replaces an error whose text quoted part of a KEK URL.
type withheldError struct{ kinds []error }

func (e *withheldError) Error() string {
	msg := "backend error withheld (its text quoted the URL)"
	if len(e.kinds) > 0 {
		msg = e.kinds[0].Error() + ": " + msg
	}
	return msg
}

func (e *withheldError) Unwrap() []error { return e.kinds }
