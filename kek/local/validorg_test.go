package local

import (
	"regexp"
	"strings"
	"testing"
)

var orgPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// FuzzValidOrg checks the hand-written org check against the documented
// pattern.
func FuzzValidOrg(f *testing.F) {
	for _, s := range []string{"acme", "a", "", ".a", "a/b", "a..b", "-a", "a-", "A_1.b", strings.Repeat("a", 128),
		strings.Repeat("a", 129), "a\x00", "é", "a b", "../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validOrg(s), orgPattern.MatchString(s); got != want {
			t.Fatalf("validOrg(%q) = %v, pattern says %v", s, got, want)
		}
	})
}
