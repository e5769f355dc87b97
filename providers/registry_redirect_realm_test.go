package providers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/providers"
)

// TestRedirectedChallengeGetsNoCredentials: a registry whose /v2/
// redirects to another host must not lead the check to send the stored
// login to a token realm that other host names. The safe client drops
// Authorization on the cross-host hop, but the challenge (and so the
// realm) then comes from a host the target never named.
func TestRedirectedChallengeGetsNoCredentials(t *testing.T) {
	var leaked atomic.Bool
	var other *httptest.Server
	other = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			if _, _, ok := r.BasicAuth(); ok {
				leaked.Store(true)
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"token": "t"})
		default:
			if r.Header.Get("Authorization") == "" {
				w.Header().Set("Www-Authenticate", `Bearer realm="`+other.URL+`/token",service="x"`)
				w.WriteHeader(http.StatusUnauthorized)
			}
		}
	}))
	defer other.Close()
	reg := httptest.NewTLSServer(http.RedirectHandler(other.URL+"/v2/", http.StatusFound))
	defer reg.Close()

	c := up("dev", "pw-"+emuCanary)
	res := providers.TestConnection(context.Background(),
		providers.Target{Provider: providers.Custom, URL: reg.URL, Insecure: true}, c,
		providers.Options{AllowLoopback: true})
	if leaked.Load() {
		t.Fatalf("the stored login was sent to the token realm of the host /v2/ redirected to (result %s: %s)", res.Status, res.Message)
	}
	if res.Healthy() {
		t.Errorf("healthy after a cross-host redirect: %+v", res)
	}
}
