package vault_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
)

// FuzzParseRefs: the Harness and Buildkite reference parsers never panic,
// fail only with ErrInvalidKey, and what they accept is a valid Key that
// spells the reference back (no input is silently rewritten).
func FuzzParseRefs(f *testing.F) {
	for _, s := range []string{"acc123/registry123/+", "acc123/org456/registry123/+", "acc123/org456/proj789/registry123/+",
		"acc123/+", "a/b/c/d/e/+", "acc/../x/+", "acc//x/+", "/+", "+", "", "my-org/my-registry", "a/", "/x", "a/b/c", "\xff/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		if k, err := vault.ParseHarnessRef(ref); err != nil {
			if !errors.Is(err, vault.ErrInvalidKey) {
				t.Fatalf("ParseHarnessRef(%q): untyped error %v", ref, err)
			}
		} else if k.Validate() != nil || k.String()+"/+" != ref || strings.Count(k.Registry, "/") > 2 {
			t.Fatalf("ParseHarnessRef(%q) = %+v", ref, k)
		}
		if k, err := vault.ParseBuildkiteRef(ref); err != nil {
			if !errors.Is(err, vault.ErrInvalidKey) {
				t.Fatalf("ParseBuildkiteRef(%q): untyped error %v", ref, err)
			}
		} else if k.Validate() != nil || k.String() != ref || strings.Contains(k.Registry, "/") {
			t.Fatalf("ParseBuildkiteRef(%q) = %+v", ref, k)
		}
	})
}
