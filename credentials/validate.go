package credentials

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length caps, in bytes. Every field has one; [Parse] also caps the whole
// document at [MaxInputSize].
const (
	// MaxUsernameLen caps usernames, robot names and other identifiers.
	MaxUsernameLen = 256
	// MaxSecretLen caps passwords, tokens and secrets unless a kind says
	// otherwise below.
	MaxSecretLen = 4096
	// MaxSessionTokenLen caps an AWS STS session token. AWS documents no
	// fixed size and asks callers not to assume one; 8 KiB is well above the
	// tokens STS issues today, including ones carrying session tags.
	MaxSessionTokenLen = 8192
	// MaxServiceAccountKeyLen caps a Google service-account JSON key file.
	MaxServiceAccountKeyLen = 32 << 10
	// MaxClientSecretLen caps an Azure AD client secret.
	MaxClientSecretLen = 1024
)

// Validate checks the username and password.
//
// The username is sent as the user-id of HTTP Basic authentication, which
// cannot contain a colon (RFC 7617), so a colon is refused.
func (c UsernamePassword) Validate() error {
	if err := checkBasicUser(fUsername, c.Username); err != nil {
		return err
	}
	return checkSecret(fPassword, c.Password, MaxSecretLen)
}

// Validate checks the username and token. It does not require a specific
// token prefix: registries issue many formats (see [UsernamePat.TokenType]).
func (c UsernamePat) Validate() error {
	if err := checkBasicUser(fUsername, c.Username); err != nil {
		return err
	}
	return checkSecret(fPat, c.Pat, MaxSecretLen)
}

// Validate checks the JFrog username and identity (or reference) token.
func (c JfrogIdentityToken) Validate() error {
	if err := checkBasicUser(fUsername, c.Username); err != nil {
		return err
	}
	return checkSecret(fIdentityToken, c.IdentityToken, MaxSecretLen)
}

// checkBasicUser checks an identifier used as a Basic-auth user-id.
func checkBasicUser(field, v string) error {
	if err := checkIdentifier(field, v, MaxUsernameLen); err != nil {
		return err
	}
	if strings.ContainsRune(v, ':') {
		return fieldErr(field, ErrInvalid, "must not contain ':' (HTTP Basic user-id)")
	}
	return nil
}

// checkIdentifier checks a non-secret, required, single-line identifier:
// present, within max bytes, valid UTF-8, no control or format characters
// and no surrounding whitespace (a frequent copy-paste error).
func checkIdentifier(field, v string, max int) error {
	if v == "" {
		return fieldErr(field, ErrMissing, "required")
	}
	if len(v) > max {
		return fieldErr(field, ErrTooLarge, "longer than "+strconv.Itoa(max)+" bytes")
	}
	if err := checkText(field, v); err != nil {
		return err
	}
	if strings.TrimSpace(v) != v {
		return fieldErr(field, ErrInvalid, "has leading or trailing whitespace")
	}
	return nil
}

// checkSecret checks a required secret: present, within max bytes, valid
// UTF-8 and free of control characters (secrets travel in HTTP headers,
// where CR or LF would split the header).
func checkSecret(field string, s Secret, max int) error {
	if s.IsZero() {
		return fieldErr(field, ErrMissing, "required")
	}
	if s.Len() > max {
		return fieldErr(field, ErrTooLarge, "longer than "+strconv.Itoa(max)+" bytes")
	}
	return checkText(field, s.Reveal())
}

// checkText refuses invalid UTF-8 and control or format characters. Its
// messages never include v.
func checkText(field, v string) error {
	if printableASCII(v) { // the common case, without per-rune table lookups
		return nil
	}
	if !utf8.ValidString(v) {
		return fieldErr(field, ErrInvalid, "not valid UTF-8")
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fieldErr(field, ErrInvalid, "contains a control character")
		}
	}
	return nil
}

// printableASCII reports whether v is all printable ASCII (0x20-0x7e).
// It tests eight bytes at a time: secrets are checked on every seal and
// open, and a byte-at-a-time loop showed in profiles.
func printableASCII(v string) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := v[i : i+8] // constant indexes below: one 8-byte load, no bounds checks
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		// A byte >= 0x7f sets its high bit after adding 1 (or had it set);
		// a byte < 0x20 borrows when 0x20 is subtracted from it.
		if ((x+ones)|x)&highs != 0 || (x-0x20*ones)&^x&highs != 0 {
			return false
		}
	}
	for ; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// checkCharset reports whether every byte of v is accepted by ok.
func checkCharset(v string, ok func(c byte) bool) bool {
	for i := 0; i < len(v); i++ {
		if !ok(v[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
