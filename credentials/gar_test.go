package credentials

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
)

// Test keys are generated once per test binary: RSA generation is slow.
var (
	testRSA2048 = sync.OnceValue(func() string { return mustPKCS8PEM(mustRSA(2048)) })
	testRSA1024 = sync.OnceValue(func() string { return mustPKCS8PEM(mustRSA(1024)) })
	testECKey   = sync.OnceValue(func() string {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return mustPKCS8PEM(k)
	})
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func mustPKCS8PEM(k any) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// garKeyFields returns a valid service-account key file as a map.
func garKeyFields() map[string]any {
	return map[string]any{
		"type":           "service_account",
		"project_id":     "example-project",
		"private_key_id": "0123456789abcdef0123456789abcdef01234567",
		"private_key":    testRSA2048(),
		"client_email":   fakeEmail,
		"client_id":      "123456789012345678901",
		"auth_uri":       "https://accounts.google.com/o/oauth2/auth",
		"token_uri":      fakeTokenURI,
	}
}

// garKeyJSON returns a key file with overrides applied; a nil override
// deletes the field.
func garKeyJSON(overrides map[string]any) string {
	m := garKeyFields()
	for k, v := range overrides {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestValidateGoogleGar(t *testing.T) {
	t.Parallel()
	gar := func(overrides map[string]any) Credential {
		return GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(overrides))}
	}
	raw := func(s string) Credential { return GoogleGar{ServiceAccountKey: NewSecret(s)} }
	pemKey := testRSA2048()
	pemBody := strings.TrimSuffix(strings.TrimPrefix(pemKey, "-----BEGIN PRIVATE KEY-----\n"), "-----END PRIVATE KEY-----\n")
	runValidate(t, []validateCase{
		{"ok", gar(nil), nil, ""},
		{"ok any email", gar(map[string]any{"client_email": "robot@example.com"}), nil, ""},
		{"ok without optional ids", gar(map[string]any{"project_id": nil, "client_id": nil, "private_key_id": nil}), nil, ""},
		{"ok extra fields", gar(map[string]any{"universe_domain": "googleapis.com", "nested": map[string]any{"a": 1}}), nil, ""},
		{"ok pretty printed", raw("{\n  \"type\": \"service_account\",\n  \"private_key\": " + jsonString(pemKey) +
			",\n  \"client_email\": \"" + fakeEmail + "\",\n  \"token_uri\": \"" + fakeTokenURI + "\"\n}\n"), nil, ""},
		{"empty", raw(""), ErrMissing, "serviceAccountKey"},
		{"too large", raw(strings.Repeat(" ", MaxServiceAccountKeyLen+1)), ErrTooLarge, "serviceAccountKey"},
		{"not JSON", raw("not json"), ErrMalformed, "serviceAccountKey"},
		{"array", raw(`[{"type":"service_account"}]`), ErrMalformed, "serviceAccountKey"},
		{"trailing data", raw(garKeyJSON(nil) + "{}"), ErrMalformed, "serviceAccountKey"},
		{"bad UTF-8", raw("{\"type\":\"\xff\"}"), ErrInvalid, "serviceAccountKey"},
		{"user credentials", gar(map[string]any{"type": "authorized_user"}), ErrInvalid, "serviceAccountKey.type"},
		{"type not string", gar(map[string]any{"type": 1}), ErrMalformed, "serviceAccountKey.type"},
		{"missing type", gar(map[string]any{"type": nil}), ErrInvalid, "serviceAccountKey.type"},
		{"missing email", gar(map[string]any{"client_email": nil}), ErrMissing, "serviceAccountKey.client_email"},
		{"bad email", gar(map[string]any{"client_email": "puller"}), ErrInvalid, "serviceAccountKey.client_email"},
		{"email two ats", gar(map[string]any{"client_email": "a@b@example.com"}), ErrInvalid, "serviceAccountKey.client_email"},
		{"project id newline", gar(map[string]any{"project_id": "p\n"}), ErrInvalid, "serviceAccountKey.project_id"},
		{"missing private key", gar(map[string]any{"private_key": nil}), ErrMissing, "serviceAccountKey.private_key"},
		{"private key not PEM", gar(map[string]any{"private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}), ErrInvalid, "serviceAccountKey.private_key"},
		{"junk before PEM", gar(map[string]any{"private_key": "junk\n" + pemKey}), ErrInvalid, "serviceAccountKey.private_key"},
		{"data after PEM", gar(map[string]any{"private_key": pemKey + "junk"}), ErrInvalid, "serviceAccountKey.private_key"},
		{"PKCS1 block", gar(map[string]any{"private_key": "-----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "-----END RSA PRIVATE KEY-----\n"}),
			ErrInvalid, "serviceAccountKey.private_key"},
		{"garbage DER", gar(map[string]any{"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}),
			ErrInvalid, "serviceAccountKey.private_key"},
		{"corrupted body", gar(map[string]any{"private_key": strings.Replace(pemKey, "A", "B", 40)}),
			ErrInvalid, "serviceAccountKey.private_key"},
		{"EC key", gar(map[string]any{"private_key": testECKey()}), ErrInvalid, "serviceAccountKey.private_key"},
		{"RSA 1024", gar(map[string]any{"private_key": testRSA1024()}), ErrInvalid, "serviceAccountKey.private_key"},
		{"missing token_uri", gar(map[string]any{"token_uri": nil}), ErrMissing, "serviceAccountKey.token_uri"},
		{"http token_uri", gar(map[string]any{"token_uri": "http://oauth2.googleapis.com/token"}), ErrInvalid, "serviceAccountKey.token_uri"},
		{"relative token_uri", gar(map[string]any{"token_uri": "/token"}), ErrInvalid, "serviceAccountKey.token_uri"},
		{"userinfo token_uri", gar(map[string]any{"token_uri": "https://u:p@oauth2.googleapis.com/token"}), ErrInvalid, "serviceAccountKey.token_uri"},
		{"duplicate token_uri", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"token_uri":"https://evil.example/"}`),
			ErrMalformed, "serviceAccountKey.token_uri"},
		{"case-folded duplicate", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"TOKEN_URI":"http://169.254.169.254/"}`),
			ErrMalformed, "serviceAccountKey"},
		{"Kelvin-sign duplicate", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"private_\u212aey":"x"}`),
			ErrMalformed, "serviceAccountKey"},
		{"OAuth client file", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"installed":{"redirect_uris":["x"]}}`),
			ErrInvalid, "serviceAccountKey.installed"},
		{"OAuth web client, other case", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"Web":{"redirect_uris":["x"]}}`),
			ErrInvalid, "serviceAccountKey.Web"},
	})
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestFoldKeyMatchesEqualFold(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"token_uri", "TOKEN_URI"}, {"private_key", "private_\u212aey"}, {"s", "\u017f"}, {"a", "b"}, {"ǅ", "ǆ"}}
	for _, p := range pairs {
		if got, want := foldKey(p[0]) == foldKey(p[1]), strings.EqualFold(p[0], p[1]); got != want {
			t.Errorf("foldKey(%q)==foldKey(%q) is %v, EqualFold says %v", p[0], p[1], got, want)
		}
	}
}
