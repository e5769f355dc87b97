package credentials

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	garKeyType = "service_account"
	// garMaxDER caps the private key's DER before it is parsed, bounding the
	// cost of parsing a hostile key: a PKCS #8 RSA-4096 key is about 2.4 KB;
	// Google issues RSA-2048.
	garMaxDER     = 4096
	garMinRSABits = 2048
	garMaxURL     = 2048
	garMaxEmail   = 254
)

// The key-file fields this package reads. Values must be JSON strings.
const (
	garType         = "type"
	garProjectID    = "project_id"
	garPrivateKeyID = "private_key_id"
	garPrivateKey   = "private_key"
	garClientEmail  = "client_email"
	garClientID     = "client_id"
	garTokenURI     = "token_uri"
)

var garFields = []string{garType, garProjectID, garPrivateKeyID, garPrivateKey, garClientEmail, garClientID, garTokenURI}

// garClientFileFields are the top-level fields of an OAuth client file,
// case-folded. golang.org/x/oauth2/google reads a file holding one as an
// interactive client before looking at its type, so a key file must not
// have them.
var garClientFileFields = []string{foldKey("installed"), foldKey("web")}

var emailRe = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`)

// garKey is the parsed subset of a service-account key file.
type garKey map[string]string

// Validate checks the service-account key file: a JSON object (at most
// [MaxServiceAccountKeyLen] bytes) with "type": "service_account", a
// syntactically valid client_email, a private_key that is a PEM
// "PRIVATE KEY" block holding a PKCS #8 RSA key of at least 2048 bits, and
// an https token_uri. Errors name the key-file field, e.g.
// "serviceAccountKey.token_uri".
//
// Keys differing only in case (or Unicode case folding) are refused as
// duplicates: encoding/json, which golang.org/x/oauth2 uses to read the key,
// matches field names case-insensitively and keeps the last, so
// {"token_uri": "https://ok", "TOKEN_URI": "http://169.254.169.254"} would
// otherwise pass this check yet send the JWT grant elsewhere. The fields of
// an OAuth client file ("installed", "web") are refused in any case: a
// file with them is not a service-account key. token_uri is still
// attacker-controlled: callers dial it only through an SSRF guard.
func (c GoogleGar) Validate() error {
	_, err := c.parseKey()
	return err
}

// parseKey validates the key file and returns its fields.
func (c GoogleGar) parseKey() (garKey, error) {
	if err := checkGARSecret(c.ServiceAccountKey); err != nil {
		return nil, err
	}
	key, err := decodeGARKey(c.ServiceAccountKey.Reveal())
	if err != nil {
		return nil, err
	}
	if err := key.validate(); err != nil {
		return nil, err
	}
	return key, nil
}

func checkGARSecret(s Secret) error {
	if s.IsZero() {
		return fieldErr(fServiceAccountKey, ErrMissing, "required")
	}
	if s.Len() > MaxServiceAccountKeyLen {
		return fieldErr(fServiceAccountKey, ErrTooLarge, "longer than 32768 bytes")
	}
	if !utf8.ValidString(s.Reveal()) {
		return fieldErr(fServiceAccountKey, ErrInvalid, "not valid UTF-8")
	}
	return nil
}

// decodeGARKey reads the key file's top-level string fields of interest and
// refuses malformed JSON and case-folded duplicate keys.
func decodeGARKey(text string) (garKey, error) {
	key := garKey{}
	seen := map[string]bool{}
	err := walkObject(fServiceAccountKey, []byte(text), func(name string, raw json.RawMessage) error {
		folded := foldKey(name)
		if seen[folded] {
			return fieldErr(garField(name), ErrMalformed, "duplicate field (names compare case-insensitively)")
		}
		seen[folded] = true
		if contains(garClientFileFields, folded) {
			return fieldErr(garField(name), ErrInvalid, "marks an OAuth client file, not a service-account key")
		}
		if !contains(garFields, name) {
			return nil // auth_uri, client_x509_cert_url, universe_domain, ...
		}
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return fieldErr(garField(name), ErrMalformed, "must be a JSON string")
		}
		key[name] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// garField is the error name of a key-file field.
func garField(name string) string { return fServiceAccountKey + "." + quoteName(name) }

func (k garKey) validate() error {
	checks := []func() error{k.validateType, k.validateEmail, k.validateIdentifiers, k.validatePrivateKey, k.validateTokenURI}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (k garKey) validateType() error {
	if k[garType] != garKeyType {
		return fieldErr(garField(garType), ErrInvalid, `must be "service_account"`)
	}
	return nil
}

func (k garKey) validateEmail() error {
	v := k[garClientEmail]
	if err := checkIdentifier(garField(garClientEmail), v, garMaxEmail); err != nil {
		return err
	}
	if !emailRe.MatchString(v) {
		return fieldErr(garField(garClientEmail), ErrInvalid, "not an email address")
	}
	return nil
}

// validateIdentifiers checks the optional project_id, client_id and
// private_key_id as single-line identifiers.
func (k garKey) validateIdentifiers() error {
	for _, f := range []string{garProjectID, garClientID, garPrivateKeyID} {
		v, ok := k[f]
		if !ok {
			continue
		}
		if err := checkIdentifier(garField(f), v, MaxUsernameLen); err != nil {
			return err
		}
	}
	return nil
}

func (k garKey) validatePrivateKey() error {
	field := garField(garPrivateKey)
	v := k[garPrivateKey]
	if v == "" {
		return fieldErr(field, ErrMissing, "required")
	}
	block, rest := pem.Decode([]byte(v))
	switch {
	case !strings.HasPrefix(strings.TrimLeftFunc(v, unicode.IsSpace), "-----BEGIN PRIVATE KEY-----") || block == nil:
		return fieldErr(field, ErrInvalid, "not a PEM PRIVATE KEY block")
	case block.Type != "PRIVATE KEY" || len(block.Headers) != 0:
		return fieldErr(field, ErrInvalid, "not an unencrypted PEM PRIVATE KEY block")
	case strings.TrimSpace(string(rest)) != "":
		return fieldErr(field, ErrInvalid, "data after the PEM block")
	case len(block.Bytes) > garMaxDER:
		return fieldErr(field, ErrTooLarge, "key is larger than 4096 bytes of DER")
	}
	return checkRSAKey(field, block.Bytes)
}

// checkRSAKey parses PKCS #8 DER. The x509 error is not wrapped: it is
// generic today, but key material must never reach an error.
func checkRSAKey(field string, der []byte) error {
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return fieldErr(field, ErrInvalid, "not a PKCS #8 private key")
	}
	rk, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return fieldErr(field, ErrInvalid, "not an RSA private key")
	}
	if rk.N.BitLen() < garMinRSABits {
		return fieldErr(field, ErrInvalid, "RSA key shorter than 2048 bits")
	}
	return nil
}

func (k garKey) validateTokenURI() error {
	field := garField(garTokenURI)
	v := k[garTokenURI]
	if err := checkIdentifier(field, v, garMaxURL); err != nil {
		return err
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fieldErr(field, ErrInvalid, "not a URL")
	case u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		return fieldErr(field, ErrInvalid, "must be an absolute https URL")
	case u.User != nil || u.Fragment != "":
		return fieldErr(field, ErrInvalid, "must not carry userinfo or a fragment")
	}
	return nil
}

// foldKey maps s to a canonical case-folded form: foldKey(a) == foldKey(b)
// exactly when strings.EqualFold(a, b), the comparison encoding/json uses.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(minFold(r))
	}
	return b.String()
}

// minFold returns the smallest rune in r's simple case-folding orbit.
func minFold(r rune) rune {
	lowest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		lowest = min(lowest, f)
	}
	return lowest
}
