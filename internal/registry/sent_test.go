package registry

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRegisterSent: what a request carries that is secret is registered
// before it is sent, and the body still goes out whole.
func TestRegisterSent(t *testing.T) {
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"eyJhbGciOi.payload.sig"},
		"client_secret": {"az-client-secret"}, "service": {"registry.example"}}.Encode()
	req, err := http.NewRequest(http.MethodPost, "https://r.example/token", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Api-Key", "harness-api-key")
	req.SetBasicAuth("deploy", "basic-password")
	req.GetBody = nil // as an SDK may send it
	var sc scrubber
	sent, err := registerSent(req, &sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"eyJhbGciOi.payload.sig", "az-client-secret", "harness-api-key", "basic-password",
		req.Header.Get("Authorization")[len("Basic "):]} {
		if !sc.has(v) {
			t.Errorf("%q not registered", v)
		}
	}
	if sc.has("registry.example") {
		t.Error("a public form field was registered")
	}
	if b, _ := io.ReadAll(sent.Body); string(b) != form {
		t.Fatalf("body sent: %q", b)
	}
}

// has reports whether v was registered.
func (sc *scrubber) has(v string) bool {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	return sc.seen["v:"+v]
}
