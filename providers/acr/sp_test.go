package acr

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/registry"
)

func TestAuthorityFor(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"r1234.azurecr.io": "https://login.microsoftonline.com",
		"r1234.azurecr.cn": "https://login.chinacloudapi.cn",
		"r1234.azurecr.us": "https://login.microsoftonline.us",
	} {
		if got := authorityFor(host); got != want {
			t.Errorf("%s: %s", host, got)
		}
	}
}

func TestEntraResponse(t *testing.T) {
	t.Parallel()
	body := `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret s3cr3t provided.\r\nTrace ID: x","error_codes":[7000215]}`
	s := &registry.Session{}
	s.AddSecrets("s3cr3t")
	r := entraResponse(s, &http.Response{StatusCode: 401, Body: io.NopCloser(strings.NewReader(body))}, "https://login.example/t")
	if r.Status != registry.StatusAuthFailed || r.ProviderCode != "AADSTS7000215" ||
		strings.Contains(r.Message, "s3cr3t") || strings.Contains(r.Message, "Trace ID") {
		t.Fatalf("%+v", r)
	}
}

func FuzzEntraResponse(f *testing.F) {
	f.Add(401, []byte(`{"error":"invalid_client","error_description":"AADSTS7000215: x","error_codes":[7000215]}`))
	f.Add(400, []byte(`{"error_codes":"x"}`))
	f.Add(500, []byte(`not json`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		s := &registry.Session{}
		s.AddSecrets("SECRETVALUE")
		r := entraResponse(s, &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body))}, "e")
		if strings.Contains(r.Message, "SECRETVALUE") || r.Status == registry.StatusHealthy {
			t.Fatalf("%+v", r)
		}
	})
}

// TestTokenExpiry: a refresh token's expiry is its exp claim; a token
// without one is given ACR's 3-hour lifetime from now, never "no expiry".
func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	enc := base64.RawURLEncoding.EncodeToString
	jwt := enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"exp":1767225600}`)) + ".sig"
	if got := tokenExpiry(jwt); !got.Equal(time.Unix(1767225600, 0)) {
		t.Errorf("exp claim: %v", got)
	}
	for _, tok := range []string{"opaque", "a.b.c", "a." + enc([]byte(`{"exp":"soon"}`)) + ".c", "a." + enc([]byte(`{"exp":-1}`)) + ".c"} {
		got := tokenExpiry(tok)
		if d := time.Until(got); d > defaultRefreshLifetime || d < defaultRefreshLifetime-time.Minute {
			t.Errorf("%q: expires in %v, want about %v", tok, d, defaultRefreshLifetime)
		}
	}
}

// FuzzTokenExpiry: any token text gives an expiry, never a panic or the
// zero time.
func FuzzTokenExpiry(f *testing.F) {
	for _, s := range []string{"", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3NjcyMjU2MDB9.c", "..", "a.e30.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if tokenExpiry(tok).IsZero() {
			t.Fatal("zero expiry")
		}
	})
}
