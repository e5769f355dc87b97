package kek_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/credvault/credvault/kek"
)

// orgPattern is ValidateOrg's documented rule.
var orgPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// checkNameError fails t unless err is a *kek.NameError for field that
// matches both sentinels and does not quote name.
func checkNameError(t *testing.T, err error, field, name string) {
	t.Helper()
	var ne *kek.NameError
	if !errors.As(err, &ne) || ne.Field != field || !errors.Is(err, kek.ErrInvalidName) || !errors.Is(err, kek.ErrInvalidInput) {
		t.Fatalf("%q: err = %v, want a %s *kek.NameError", name, err, field)
	}
	if len(name) > 3 && strings.Contains(err.Error(), name) {
		t.Fatalf("error %q quotes the name", err)
	}
}

func TestValidateOrg(t *testing.T) {
	t.Parallel()
	for _, org := range []string{"acme", "A", "0", "a.b-c_D9", strings.Repeat("z", kek.MaxOrgSize)} {
		if err := kek.ValidateOrg(org); err != nil {
			t.Errorf("ValidateOrg(%q) = %v", org, err)
		}
	}
	for _, org := range []string{
		"", "acme corp", "été", "-acme", ".acme", "_acme", "a/b", "a?x", "a#", "a%2e", "a\x00", "a\n", "a:b", "a@b",
		"acme\u202e", strings.Repeat("a", kek.MaxOrgSize+1),
	} {
		checkNameError(t, kek.ValidateOrg(org), "org", org)
	}
}

func TestValidateRegistry(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"ghcr", "org/project/registry", "my registry", "été", "東京", "a\u0301", "emoji 🐳", "a.b:c@d",
		strings.Repeat("r", kek.MaxRegistrySize), strings.Repeat("é", kek.MaxRegistrySize/2),
	} {
		if err := kek.ValidateRegistry(name); err != nil {
			t.Errorf("ValidateRegistry(%q) = %v", name, err)
		}
	}
	for _, name := range []string{
		"", " ghcr", "ghcr ", "a\x00b", "a\tb", "a\nb", "a\x7fb", "a\u0085b", "a\u202eb", "a\u200bb", "a\u200db",
		"a\ufeffb", "a\u2028b", "a\u2029b", "a\u00a0b", "a\u3000b", "a\u00adb", "a\ue000b", "a\ufe0fb", "a\u3164b",
		"a\U000e0041b", "a\xffb", strings.Repeat("r", kek.MaxRegistrySize+1), strings.Repeat("é", kek.MaxRegistrySize/2) + "x",
	} {
		checkNameError(t, kek.ValidateRegistry(name), "registry", name)
	}
}

func TestValidateDoesNotAllocate(t *testing.T) {
	for name, f := range map[string]func(){
		"org":             func() { _ = kek.ValidateOrg("acme.corp-42") },
		"registry":        func() { _ = kek.ValidateRegistry("org/project/registry") },
		"unicodeRegistry": func() { _ = kek.ValidateRegistry("registre été 東京") },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per valid name, want 0", name, n)
		}
	}
}

// FuzzValidateOrg checks the hand-written org check against orgPattern.
func FuzzValidateOrg(f *testing.F) {
	for _, s := range []string{"acme", "a.b-c_d", "", ".a", "-a", "a/b", "ü", "a b", strings.Repeat("a", 128), strings.Repeat("a", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, org string) {
		err := kek.ValidateOrg(org)
		if (err == nil) != orgPattern.MatchString(org) {
			t.Fatalf("ValidateOrg(%q) = %v, pattern match = %v", org, err, orgPattern.MatchString(org))
		}
		if err != nil {
			checkNameError(t, err, "org", org)
		}
	})
}

// invisible reports whether r is in a category a registry name refuses,
// listed independently of ValidateRegistry.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp) ||
		(unicode.Is(unicode.Zs, r) && r != ' ') || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// FuzzValidateRegistry: an accepted name is valid UTF-8 within the cap,
// trimmed, and holds no invisible character.
func FuzzValidateRegistry(f *testing.F) {
	for _, s := range []string{"ghcr", "a/b/c", "été", " a", "a\u202e", "a\u0085", "\xff", "a\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := kek.ValidateRegistry(name)
		if err != nil {
			checkNameError(t, err, "registry", name)
			return
		}
		if !utf8.ValidString(name) || len(name) > kek.MaxRegistrySize || strings.TrimSpace(name) != name {
			t.Fatalf("accepted %q", name)
		}
		for _, r := range name {
			if invisible(r) {
				t.Fatalf("accepted %q with %U", name, r)
			}
		}
	})
}
