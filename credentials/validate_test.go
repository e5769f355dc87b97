package credentials

import (
	"strings"
	"testing"
)

type validateCase struct {
	name  string
	c     Credential
	want  error
	field string
}

func runValidate(t *testing.T, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkErr(t, tt.c.Validate(), tt.want, tt.field)
		})
	}
}

func TestValidateAllValid(t *testing.T) {
	t.Parallel()
	for _, c := range validCredentials() {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Kind(), err)
		}
	}
}

func TestValidateBasicUsers(t *testing.T) {
	t.Parallel()
	up := func(u, p string) Credential { return UsernamePassword{Username: u, Password: NewSecret(p)} }
	pat := func(u, p string) Credential { return UsernamePat{Username: u, Pat: NewSecret(p)} }
	jf := func(u, p string) Credential { return JfrogIdentityToken{Username: u, IdentityToken: NewSecret(p)} }
	runValidate(t, []validateCase{
		{"ok", up("deploy-bot", "pw"), nil, ""},
		{"ok email user", up("ci@example.com", "pw with spaces"), nil, ""},
		{"ok unicode user", up("déploy", "pässwörd"), nil, ""},
		{"ok max username", up(strings.Repeat("u", MaxUsernameLen), "pw"), nil, ""},
		{"ok max secret", up("u", strings.Repeat("p", MaxSecretLen)), nil, ""},
		{"empty username", up("", "pw"), ErrMissing, "username"},
		{"long username", up(strings.Repeat("u", MaxUsernameLen+1), "pw"), ErrTooLarge, "username"},
		{"colon username", up("deploy:bot", "pw"), ErrInvalid, "username"},
		{"control username", up("deploy\x00bot", "pw"), ErrInvalid, "username"},
		{"newline username", up("deploy\nbot", "pw"), ErrInvalid, "username"},
		{"bidi override username", up("deploy\u202ebot", "pw"), ErrInvalid, "username"},
		{"padded username", up(" deploy-bot", "pw"), ErrInvalid, "username"},
		{"bad UTF-8 username", up("deploy\xffbot", "pw"), ErrInvalid, "username"},
		{"empty password", up("u", ""), ErrMissing, "password"},
		{"long password", up("u", strings.Repeat("p", MaxSecretLen+1)), ErrTooLarge, "password"},
		{"CRLF password", up("u", "pw\r\nX-Injected: 1"), ErrInvalid, "password"},
		{"bad UTF-8 password", up("u", "pw\xc3"), ErrInvalid, "password"},
		{"pat ok", pat("deploy-bot", "glpat-EXAMPLE0000000000"), nil, ""},
		{"pat any prefix", pat("deploy-bot", "some-registry-token"), nil, ""},
		{"pat empty", pat("deploy-bot", ""), ErrMissing, "pat"},
		{"pat tab", pat("deploy-bot", "ghp_a\tb"), ErrInvalid, "pat"},
		{"pat empty user", pat("", "ghp_x"), ErrMissing, "username"},
		{"jfrog ok", jf("ci", "cmVmdGtuOjAx"), nil, ""},
		{"jfrog empty token", jf("ci", ""), ErrMissing, "identityToken"},
		{"jfrog long token", jf("ci", strings.Repeat("t", MaxSecretLen+1)), ErrTooLarge, "identityToken"},
		{"jfrog colon user", jf("c:i", "t"), ErrInvalid, "username"},
	})
}

func printableSlow(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// FuzzPrintableASCII checks the word-at-a-time test against the plain loop.
func FuzzPrintableASCII(f *testing.F) {
	for _, s := range []string{"", "a", "ghp_abcdefghijklmnop", "abcdefg\x7f", "abcdefgh\x1f", "\x00\x00\x00\x00\x00\x00\x00\x00",
		" ~~~~~~~ ~~~~~~~", "abcdefgh\x80", "é", "\xff\xff\xff\xff\xff\xff\xff\xff", "\x20\x20\x20\x20\x20\x20\x20\x20", "abcdefgh\tij"} {
		f.Add(s)
	}
	for pos := range 8 { // every byte value at every position of a word
		for b := range 256 {
			w := []byte("AAAAAAAAAAAAAAAA")
			w[pos] = byte(b)
			f.Add(string(w))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := printableASCII(s), printableSlow(s); got != want {
			t.Fatalf("printableASCII(%q) = %v, want %v", s, got, want)
		}
	})
}

func BenchmarkPrintableASCII(b *testing.B) {
	s := "ghp_" + strings.Repeat("x", 252)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !printableASCII(s) {
			b.Fatal("not printable")
		}
	}
}
