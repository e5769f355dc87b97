package gcpemu

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/fixtures"
)

const testAud = "https://127.0.0.1:1/token"

func assertion(t *testing.T, k *rsa.PrivateKey, c claims) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"k"}`))
	p, _ := json.Marshal(c)
	signing := h + "." + enc.EncodeToString(p)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key, _ := fixtures.RSAKey()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e := &Emulator{accounts: map[string]*rsa.PublicKey{"sa@p.iam": &key.PublicKey}}
	now := time.Unix(1_800_000_000, 0)
	good := claims{Iss: "sa@p.iam", Aud: testAud, Scope: "https://www.googleapis.com/auth/cloud-platform", Iat: now.Unix(), Exp: now.Unix() + 3600}
	with := func(f func(*claims)) claims { c := good; f(&c); return c }
	tests := []struct {
		name string
		key  *rsa.PrivateKey
		c    claims
		want error
	}{
		{"valid", key, good, nil},
		{"wrong signing key", other, good, errSignature},
		{"unknown issuer", key, with(func(c *claims) { c.Iss = "x@p.iam" }), errAccount},
		{"wrong audience", key, with(func(c *claims) { c.Aud = "https://oauth2.googleapis.com/token" }), errAudience},
		{"expired", key, with(func(c *claims) { c.Exp = now.Unix() - 1 }), errTime},
		{"too long-lived", key, with(func(c *claims) { c.Exp = c.Iat + 7200 }), errTime},
		{"no scope", key, with(func(c *claims) { c.Scope = "" }), errScope},
	}
	for _, tc := range tests {
		if _, err := e.verify(assertion(t, tc.key, tc.c), testAud, now); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := e.verify("a.b", testAud, now); err != errMalformed {
		t.Errorf("two-part assertion: %v", err)
	}
}

func FuzzParseAssertion(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b")
	f.Add("")
	f.Fuzz(func(t *testing.T, a string) {
		h, p, _, _, err := parseAssertion(a)
		if err == nil && (len(h) == 0 || len(p) == 0) {
			t.Fatalf("accepted %q", a)
		}
	})
}
