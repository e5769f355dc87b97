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

// azureScheme is gocloud's Azure Key Vault scheme.
const azureScheme = "azurekeyvault"

// maxURLSize bounds a keeper URL.
const maxURLSize = 4096

// KeyID returns the key ID a KEK opened from keeperURL reports: the URL
// without secrets (see the package documentation). It refuses an
// azurekeyvault URL without a key version (ErrKeyVersionRequired). Its
// errors never quote the URL.
func KeyID(keeperURL string) (string, error) {
	if len(keeperURL) > maxURLSize {
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("keeper URL too long")}
	}
	u, err := url.Parse(keeperURL)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		// err quotes the URL: drop it.
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("malformed keeper URL")}
	}
	switch u.Scheme {
	case base64KeyScheme:
		return base64KeyID(u)
	case azureScheme:
		return azureKeyID(u)
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

// azureKeyID returns "azurekeyvault://<host>/keys/<name>/<version>". A URL
// without a version is refused: gocloud would then decrypt with the key's
// latest version, and an RSA-OAEP ciphertext does not record the version
// that made it, so every DEK would stop opening when the key is rotated.
func azureKeyID(u *url.URL) (string, error) {
	name, version, ok := azureKeyPath(u.EscapedPath())
	switch {
	case u.Host == "" || !ok:
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput,
			Err: errString("malformed azurekeyvault URL (want azurekeyvault://<vault>.vault.azure.net/keys/<key>/<version>)")}
	case version == "":
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errKeyVersionRequired{}}
	}
	id := azureScheme + "://" + u.Host + "/keys/" + name + "/" + version
	if len(id) > kek.MaxKeyIDSize {
		return "", &Error{Op: "parse", kind: kek.ErrInvalidInput, Err: errString("key ID too long")}
	}
	return id, nil
}

// azureKeyPath splits "/keys/<name>[/<version>]", checking the name against
// Azure's rule (1 to 127 letters, digits and hyphens) and the version as
// 1 to 64 letters and digits (Azure issues 32 hex digits).
func azureKeyPath(p string) (name, version string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/keys/")
	if !ok {
		return "", "", false
	}
	name, version, _ = strings.Cut(rest, "/")
	if !azureName(name, 127, true) || version != "" && !azureName(version, 64, false) {
		return "", "", false
	}
	return name, version, true
}

// azureName reports whether s is 1 to maxLen letters and digits (and hyphens
// when hyphens is set).
func azureName(s string, maxLen int, hyphens bool) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || hyphens && c == '-') {
			return false
		}
	}
	return true
}

// errKeyVersionRequired explains a versionless azurekeyvault URL and how
// to fix it. It matches ErrKeyVersionRequired.
type errKeyVersionRequired struct{}

func (errKeyVersionRequired) Error() string {
	return ErrKeyVersionRequired.Error() + ": Azure would decrypt with whatever version is latest, and RSA-OAEP " +
		"ciphertexts do not record their version, so every wrapped DEK would stop opening once the key rotates; " +
		"name the version: azurekeyvault://<vault>.vault.azure.net/keys/<key>/<version> " +
		"(az keyvault key show --vault-name <vault> --name <key> --query key.kid prints it)"
}

func (errKeyVersionRequired) Unwrap() error { return ErrKeyVersionRequired }

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
