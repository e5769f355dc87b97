package gocloud

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/credvault/credvault/kek"
)

// base64KeyScheme is gocloud's localsecrets scheme, whose host is the key.
const base64KeyScheme = "base64key"

// maxURLSize bounds a keeper URL.
const maxURLSize = 4096

// KeyID returns the key ID a KEK opened from keeperURL reports: the URL
// without secrets (see the package documentation). Its errors never quote
// the URL.
func KeyID(keeperURL string) (string, error) {
	if len(keeperURL) > maxURLSize {
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("keeper URL too long")}
	}
	u, err := url.Parse(keeperURL)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		// err quotes the URL: drop it.
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("malformed keeper URL")}
	}
	if u.Scheme == base64KeyScheme {
		return base64KeyID(u)
	}
	id := u.Scheme + "://" + u.Host + u.EscapedPath()
	if len(id) > kek.MaxKeyIDSize {
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("key ID too long")}
	}
	return id, nil
}

// base64KeyID fingerprints the key in a base64key URL. An empty host, which
// gocloud turns into a fresh random key, is refused: DEKs wrapped by it
// could never be unwrapped after a restart.
func base64KeyID(u *url.URL) (string, error) {
	if u.Host == "" {
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("base64key URL without a key (random keys are not persistent)")}
	}
	key, err := base64.URLEncoding.DecodeString(u.Host)
	if err != nil {
		key = []byte(u.Host)
	}
	sum := sha256.Sum256(key)
	clear(key)
	return base64KeyScheme + "://sha256:" + hex.EncodeToString(sum[:8]), nil
}

// errString is an error with a fixed message.
type errString string

func (e errString) Error() string { return string(e) }

// redactedScheme returns the scheme of a URL for messages.
func redactedScheme(keeperURL string) string {
	scheme, _, _ := strings.Cut(keeperURL, ":")
	if len(scheme) > 32 {
		return "?"
	}
	return scheme
}
