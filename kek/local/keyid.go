package local

import (
	"math"
	"strconv"
	"strings"

	"github.com/credvault/credvault/internal/clip"
)

// keyIDScheme starts every key ID this package issues.
const keyIDScheme = "local://"

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
