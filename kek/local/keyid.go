package local

import (
	"math"
	"strconv"
	"strings"

	"github.com/credvault/credvault/internal/clip"
)

// keyIDScheme starts every key ID this package issues.
const keyIDScheme = "local://"

// validOrg reports whether org is a valid org name,
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ (checked by hand: it runs on every
// KEK lookup). The pattern admits no path separators and cannot start
// with a dot, so "<org>.keyset.json" always names a file directly inside
// the Manager's directory.
func validOrg(org string) bool {
	if len(org) == 0 || len(org) > 128 || !alnum(org[0]) {
		return false
	}
	for i := 1; i < len(org); i++ {
		if c := org[i]; !alnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// keyIDPrefix returns "local://<org>#v=".
func keyIDPrefix(org string) string { return keyIDScheme + org + "#v=" }

// formatKeyID returns "local://<org>#v=<tinkID>".
func formatKeyID(org string, tinkID uint32) string {
	return keyIDPrefix(org) + strconv.FormatUint(uint64(tinkID), 10)
}

// parseVersion returns the Tink key ID named by keyID, given the key ID
// prefix of the org ("local://<org>#v="). The version must be canonical
// decimal: no sign, no leading zeros, at most 32 bits. It does not allocate
// on success.
func parseVersion(prefix, keyID string) (uint32, bool) {
	digits, ok := strings.CutPrefix(keyID, prefix)
	if !ok || digits == "" || len(digits) > 10 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > math.MaxUint32 {
		return 0, false
	}
	return uint32(v), true
}

// maxShownKeyID caps how much of a caller's key ID an error repeats. The
// longest key ID this package issues, with a 128-byte org, is 149 bytes.
const maxShownKeyID = 160

// clipKeyID renders a caller's key ID for an error: non-printing characters
// dropped, so it cannot forge log lines, and at most maxShownKeyID bytes.
func clipKeyID(s string) string { return clip.Clip(s, maxShownKeyID) }
