// Package apikey mints and checks one-time API keys such as HarborGuard's
// `hg_ak_…` sensor and organization keys. A server shows a new key to its
// user once, stores only its [Hash], and checks each presented key against
// the stored hash.
//
// # Format
//
//	<prefix><id>_<secret>     e.g. hg_ak_k3x9...(16)_q7m2...(52)
//
// id is 80 random bits (16 base32 characters), a non-secret lookup handle a
// server indexes to find the stored hash; secret is 256 random bits (52
// base32 characters). Both use lowercase RFC 4648 base32 without padding,
// so a key is one word a terminal double-click selects.
//
// # Storing and verifying
//
// [New] returns the key as a [credentials.Secret] and its [Hash]. Store the
// hash (its text form, "sha256:<prefix>:<id>:<hex>", is not secret). When
// a key is presented, find the stored hash by [LookupID] and check the key
// with [Verify], which compares in constant time.
//
// A [Store] keeps those hashes as [Record] values: per org, with a [Role],
// a label, creation, last-use and revocation times. [Issue] mints a key
// into a Store; a [Verifier] checks presented keys against one, refusing
// revoked keys and writing the last-use time at most once a minute.
// [MemStore] keeps records in memory; vault/store/sqlstore keeps them in
// SQLite or PostgreSQL beside the sealed records; apikey/keystoretest is
// the conformance suite both pass.
//
// # Errors
//
// [New] and [ParseHash] return a *[credentials.FieldError] naming the
// field ("prefix", "apiKeyHash"), never a key, and matching
// [credentials.ErrInvalid] or [credentials.ErrMalformed] with errors.Is.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/credvault/credvault/credentials"
)

// The key layout (see the package doc) and the hash's text form.
const (
	idBytes     = 10
	secretBytes = 32
	idLen       = 16 // base32 of 10 bytes
	secretLen   = 52 // base32 of 32 bytes, unpadded
	maxPrefix   = 32
	hashAlg     = "sha256"
	maxKeyLen   = maxPrefix + idLen + 1 + secretLen
	maxHashLen  = len(hashAlg) + 1 + maxPrefix + 1 + idLen + 1 + 2*sha256.Size
	base32Lower = "abcdefghijklmnopqrstuvwxyz234567"
)

var (
	keyEncoding = base32.NewEncoding(base32Lower).WithPadding(base32.NoPadding)
	// A prefix is lowercase words joined and ended by '_', like "hg_ak_".
	prefixRe = regexp.MustCompile(`^[a-z][a-z0-9]*(?:_[a-z0-9]+)*_$`)
)

// A Hash is what a server stores for an API key: the key's prefix and
// lookup ID, which are not secret, and the SHA-256 of the whole key.
//
// A fast hash is the right choice here, unlike for passwords: the key holds
// 256 bits from crypto/rand, so an attacker holding the hash cannot search
// the key space no matter how fast the hash is, and a slow KDF (bcrypt,
// Argon2) would only add CPU cost to every authenticated request. Hashing
// the whole key also binds the prefix and ID to the secret.
//
// Hash is comparable and serialises as text ("sha256:<prefix>:<id>:<hex>",
// see [ParseHash]); none of it is secret.
type Hash struct {
	Prefix string            // e.g. "hg_ak_"
	ID     string            // 16 lowercase base32 characters
	Sum    [sha256.Size]byte // SHA-256 of the full key text
}

// New generates a one-time API key with the given prefix (lowercase
// letters, digits and '_', ending in '_', at most 32 bytes, e.g. "hg_ak_").
// Show plaintext to the user once; store only stored.
func New(prefix string) (plaintext credentials.Secret, stored Hash, err error) {
	if !validPrefix(prefix) {
		return credentials.Secret{}, Hash{}, fieldErr("prefix", credentials.ErrInvalid,
			"must be lowercase letters, digits and '_', end with '_', at most 32 bytes")
	}
	buf := make([]byte, idBytes+secretBytes)
	defer clear(buf)
	if _, err := rand.Read(buf); err != nil {
		return credentials.Secret{}, Hash{}, fmt.Errorf("apikey: reading random bytes: %w", err)
	}
	key := prefix + keyEncoding.EncodeToString(buf[:idBytes]) + "_" +
		keyEncoding.EncodeToString(buf[idBytes:])
	id, _ := LookupID(key)
	return credentials.NewSecret(key), Hash{Prefix: prefix, ID: id, Sum: sha256.Sum256([]byte(key))}, nil
}

// LookupID returns the non-secret lookup ID of a presented key, for
// finding its stored [Hash]. ok is false for a malformed key.
func LookupID(presented string) (id string, ok bool) {
	_, id, ok = splitKey(presented)
	return id, ok
}

// Verify reports whether presented is the key stored was made from.
// The hash comparison is constant-time; the prefix and ID, which are not
// secret, are compared directly. A malformed key or a zero stored hash
// yields false.
func Verify(stored Hash, presented string) bool {
	prefix, id, ok := splitKey(presented)
	if !ok || stored.Prefix == "" || prefix != stored.Prefix || id != stored.ID {
		return false
	}
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], stored.Sum[:]) == 1
}

// splitKey parses <prefix><id>_<secret> by its fixed-length tail.
func splitKey(key string) (prefix, id string, ok bool) {
	n := len(key)
	if n > maxKeyLen || n < idLen+1+secretLen+2 {
		return "", "", false
	}
	secretAt := n - secretLen
	idAt := secretAt - 1 - idLen
	prefix, id = key[:idAt], key[idAt:secretAt-1]
	if key[secretAt-1] != '_' || !validPrefix(prefix) ||
		!isBase32Lower(id) || !isBase32Lower(key[secretAt:]) {
		return "", "", false
	}
	return prefix, id, true
}

// ParseHash parses the text form written by [Hash.String]:
// "sha256:<prefix>:<id>:<64 lowercase hex digits>". It is strict, so
// ParseHash(s).String() == s for every accepted s.
func ParseHash(s string) (Hash, error) {
	bad := func(reason string) (Hash, error) {
		return Hash{}, fieldErr("apiKeyHash", credentials.ErrMalformed, reason)
	}
	if len(s) > maxHashLen {
		return bad("too long")
	}
	parts := strings.Split(s, ":")
	if len(parts) != 4 || parts[0] != hashAlg {
		return bad(`want "sha256:<prefix>:<id>:<hex>"`)
	}
	h := Hash{Prefix: parts[1], ID: parts[2]}
	switch {
	case !validPrefix(h.Prefix):
		return bad("invalid prefix")
	case len(h.ID) != idLen || !isBase32Lower(h.ID):
		return bad("invalid id")
	case !isLowerHex(parts[3]) || len(parts[3]) != 2*sha256.Size:
		return bad("invalid digest")
	}
	_, _ = hex.Decode(h.Sum[:], []byte(parts[3]))
	return h, nil
}

// String returns the text form parsed by [ParseHash], or "" for the
// zero value. It contains no secret.
func (h Hash) String() string {
	if h == (Hash{}) {
		return ""
	}
	return hashAlg + ":" + h.Prefix + ":" + h.ID + ":" + hex.EncodeToString(h.Sum[:])
}

// MarshalText implements encoding.TextMarshaler; the zero value is refused.
func (h Hash) MarshalText() ([]byte, error) {
	if _, err := ParseHash(h.String()); err != nil {
		return nil, err
	}
	return []byte(h.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseHash].
func (h *Hash) UnmarshalText(text []byte) error {
	parsed, err := ParseHash(string(text))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

func validPrefix(p string) bool {
	return len(p) <= maxPrefix && prefixRe.MatchString(p)
}

func isBase32Lower(s string) bool {
	return s != "" && checkCharset(s, func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '2' && c <= '7' })
}

func isLowerHex(s string) bool {
	return checkCharset(s, func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' })
}

func fieldErr(field string, sentinel error, reason string) error {
	return &credentials.FieldError{Field: field, Reason: reason, Err: sentinel}
}

// checkCharset reports whether every byte of s is accepted by ok.
func checkCharset(s string, ok func(c byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
