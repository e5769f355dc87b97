package kmsemu

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Key states, as KMS reports them in KeyMetadata.KeyState.
const (
	StateEnabled         = "Enabled"
	StateDisabled        = "Disabled"
	StatePendingDeletion = "PendingDeletion"
)

// A key is one emulated KMS key with its backing versions.
type key struct {
	id          string
	arn         string
	state       string
	usage       string
	multiRegion bool
	description string
	created     time.Time
	versions    [][]byte // AES-256 keys; the last one encrypts
}

// An alias maps alias/<name> to a key ID.
type alias struct {
	name    string
	target  string
	created time.Time
	updated time.Time
}

// newKeyID returns a random UUIDv4 string, or mrk-<32 hex> for a
// multi-Region key.
func newKeyID(multiRegion bool) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	if multiRegion {
		return "mrk-" + hex.EncodeToString(b[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newBackingKey returns fresh AES-256 key material.
func newBackingKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

// validBareKeyID reports whether s has the shape of a KMS key ID.
func validBareKeyID(s string) bool {
	if rest, ok := strings.CutPrefix(s, "mrk-"); ok {
		return len(rest) == 32 && isHex(rest)
	}
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isHexRune(c) {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, c := range s {
		if !isHexRune(c) {
			return false
		}
	}
	return true
}

func isHexRune(c rune) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
}

// arnPrefix is "arn:aws:kms:<region>:<account>:".
func (e *Emulator) arnPrefix() string {
	return "arn:aws:kms:" + e.region + ":" + e.account + ":"
}

// resolveLocked maps a KeyId parameter (key ID, key ARN, alias name or alias
// ARN) to a key. The caller holds e.mu.
func (e *Emulator) resolveLocked(keyID string) (*key, *apiError) {
	if keyID == "" {
		return nil, newErr(ExValidation, "KeyId is required")
	}
	if len(keyID) > 2048 {
		return nil, newErr(ExValidation, "KeyId is longer than 2048 characters")
	}
	id := keyID
	if rest, ok := strings.CutPrefix(id, e.arnPrefix()); ok {
		id = rest
		if bare, ok := strings.CutPrefix(rest, "key/"); ok {
			id = bare
		}
	} else if strings.HasPrefix(id, "arn:") {
		return nil, newErr(ExNotFound, "Invalid arn %s", keyID)
	}
	if strings.HasPrefix(id, "alias/") {
		a, ok := e.aliases[id]
		if !ok {
			return nil, newErr(ExNotFound, "Alias %s is not found.", e.arnPrefix()+id)
		}
		id = a.target
	}
	k, ok := e.keys[id]
	if !ok {
		return nil, newErr(ExNotFound, "Key '%s' does not exist", e.arnPrefix()+"key/"+id)
	}
	return k, nil
}

// usable reports whether a key may be used for cryptographic operations.
func usable(k *key) *apiError {
	switch k.state {
	case StateEnabled:
		return nil
	case StateDisabled:
		return newErr(ExDisabled, "%s is disabled.", k.arn)
	default:
		return newErr(ExInvalidState, "%s is pending deletion.", k.arn)
	}
}
