package credentials

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// API keys look like HarborGuard's sensor and organization keys:
//
//	<prefix><id>_<secret>     e.g. hg_ak_k3x9...(16)_q7m2...(52)
//
// id is 80 random bits (16 base32 characters), a non-secret lookup handle a
// server indexes to find the stored hash; secret is 256 random bits (52
// base32 characters). Both use lowercase RFC 4648 base32 without padding,
// so a key is one word a terminal double-click selects.
const (
	apiKeyIDBytes     = 10
	apiKeySecretBytes = 32
	apiKeyIDLen       = 16 // base32 of 10 bytes
	apiKeySecretLen   = 52 // base32 of 32 bytes, unpadded
	apiKeyMaxPrefix   = 32
	apiKeyHashAlg     = "sha256"
	apiKeyMaxLen      = apiKeyMaxPrefix + apiKeyIDLen + 1 + apiKeySecretLen
	apiKeyHashMaxLen  = len(apiKeyHashAlg) + 1 + apiKeyMaxPrefix + 1 + apiKeyIDLen + 1 + 2*sha256.Size
	base32Lower       = "abcdefghijklmnopqrstuvwxyz234567"
)

var (
	apiKeyEncoding = base32.NewEncoding(base32Lower).WithPadding(base32.NoPadding)
	// A prefix is lowercase words joined and ended by '_', like "hg_ak_".
	apiKeyPrefixRe = regexp.MustCompile(`^[a-z][a-z0-9]*(?:_[a-z0-9]+)*_$`)
)

// An APIKeyHash is what a server stores for an API key: the key's prefix and
// lookup ID, which are not secret, and the SHA-256 of the whole key.
//
// A fast hash is the right choice here, unlike for passwords: the key holds
// 256 bits from crypto/rand, so an attacker holding the hash cannot search
// the key space no matter how fast the hash is, and a slow KDF (bcrypt,
// Argon2) would only add CPU cost to every authenticated request. Hashing
// the whole key also binds the prefix and ID to the secret.
//
// APIKeyHash is comparable and serialises as text ("sha256:<prefix>:<id>:<hex>",
// see [ParseAPIKeyHash]); none of it is secret.
type APIKeyHash struct {
	Prefix string            // e.g. "hg_ak_"
	ID     string            // 16 lowercase base32 characters
	Sum    [sha256.Size]byte // SHA-256 of the full key text
}

// NewAPIKey generates a one-time API key with the given prefix (lowercase
// letters, digits and '_', ending in '_', at most 32 bytes, e.g. "hg_ak_").
// Show plaintext to the user once; store only stored.
func NewAPIKey(prefix string) (plaintext Secret, stored APIKeyHash, err error) {
	if !validAPIKeyPrefix(prefix) {
		return Secret{}, APIKeyHash{}, fieldErr("prefix", ErrInvalid,
			"must be lowercase letters, digits and '_', end with '_', at most 32 bytes")
	}
	buf := make([]byte, apiKeyIDBytes+apiKeySecretBytes)
	defer clear(buf)
	if _, err := rand.Read(buf); err != nil {
		return Secret{}, APIKeyHash{}, fmt.Errorf("credentials: reading random bytes: %w", err)
	}
	key := prefix + apiKeyEncoding.EncodeToString(buf[:apiKeyIDBytes]) + "_" +
		apiKeyEncoding.EncodeToString(buf[apiKeyIDBytes:])
	id, _ := APIKeyLookupID(key)
	return NewSecret(key), APIKeyHash{Prefix: prefix, ID: id, Sum: sha256.Sum256([]byte(key))}, nil
}

// APIKeyLookupID returns the non-secret lookup ID of a presented key, for
// finding its stored [APIKeyHash]. ok is false for a malformed key.
func APIKeyLookupID(presented string) (id string, ok bool) {
	_, id, ok = splitAPIKey(presented)
	return id, ok
}

// VerifyAPIKey reports whether presented is the key stored was made from.
// The hash comparison is constant-time; the prefix and ID, which are not
// secret, are compared directly. A malformed key or a zero stored hash
// yields false.
func VerifyAPIKey(stored APIKeyHash, presented string) bool {
	prefix, id, ok := splitAPIKey(presented)
	if !ok || stored.Prefix == "" || prefix != stored.Prefix || id != stored.ID {
		return false
	}
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], stored.Sum[:]) == 1
}

// splitAPIKey parses <prefix><id>_<secret> by its fixed-length tail.
func splitAPIKey(key string) (prefix, id string, ok bool) {
	n := len(key)
	if n > apiKeyMaxLen || n < apiKeyIDLen+1+apiKeySecretLen+2 {
		return "", "", false
	}
	secretAt := n - apiKeySecretLen
	idAt := secretAt - 1 - apiKeyIDLen
	prefix, id = key[:idAt], key[idAt:secretAt-1]
	if key[secretAt-1] != '_' || !validAPIKeyPrefix(prefix) ||
		!isBase32Lower(id) || !isBase32Lower(key[secretAt:]) {
		return "", "", false
	}
	return prefix, id, true
}

// ParseAPIKeyHash parses the text form written by [APIKeyHash.String]:
// "sha256:<prefix>:<id>:<64 lowercase hex digits>". It is strict, so
// ParseAPIKeyHash(s).String() == s for every accepted s.
func ParseAPIKeyHash(s string) (APIKeyHash, error) {
	bad := func(reason string) (APIKeyHash, error) {
		return APIKeyHash{}, fieldErr("apiKeyHash", ErrMalformed, reason)
	}
	if len(s) > apiKeyHashMaxLen {
		return bad("too long")
	}
	parts := strings.Split(s, ":")
	if len(parts) != 4 || parts[0] != apiKeyHashAlg {
		return bad(`want "sha256:<prefix>:<id>:<hex>"`)
	}
	h := APIKeyHash{Prefix: parts[1], ID: parts[2]}
	switch {
	case !validAPIKeyPrefix(h.Prefix):
		return bad("invalid prefix")
	case len(h.ID) != apiKeyIDLen || !isBase32Lower(h.ID):
		return bad("invalid id")
	case !isLowerHex(parts[3]) || len(parts[3]) != 2*sha256.Size:
		return bad("invalid digest")
	}
	_, _ = hex.Decode(h.Sum[:], []byte(parts[3]))
	return h, nil
}

// String returns the text form parsed by [ParseAPIKeyHash], or "" for the
// zero value. It contains no secret.
func (h APIKeyHash) String() string {
	if h == (APIKeyHash{}) {
		return ""
	}
	return apiKeyHashAlg + ":" + h.Prefix + ":" + h.ID + ":" + hex.EncodeToString(h.Sum[:])
}

// MarshalText implements encoding.TextMarshaler; the zero value is refused.
func (h APIKeyHash) MarshalText() ([]byte, error) {
	if _, err := ParseAPIKeyHash(h.String()); err != nil {
		return nil, err
	}
	return []byte(h.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseAPIKeyHash].
func (h *APIKeyHash) UnmarshalText(text []byte) error {
	parsed, err := ParseAPIKeyHash(string(text))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

func validAPIKeyPrefix(p string) bool {
	return len(p) <= apiKeyMaxPrefix && apiKeyPrefixRe.MatchString(p)
}

func isBase32Lower(s string) bool {
	return s != "" && checkCharset(s, func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '2' && c <= '7' })
}

func isLowerHex(s string) bool {
	return checkCharset(s, func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' })
}
