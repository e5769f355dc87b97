package providers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/providers"
)

// TestRegistryLongRealmClipped: a 40 KB realm in the challenge must not
// flood Result.Endpoint, whether the realm is refused by the address
// policy or its token server refuses the login.
func TestRegistryLongRealmClipped(t *testing.T) {
	long := "/" + strings.Repeat("a", 40<<10)
	for _, tc := range []struct {
		name  string
		realm func(srvURL string) string
		want  providers.Status
	}{
		{"policy_refused", func(string) string { return "https://10.0.0.1" + long }, providers.StatusUnreachable},
		{"token_server_refused", func(u string) string { return u + long }, providers.StatusAuthFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var realm string
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.URL.Path == "/v2/" {
					w.Header().Set("Www-Authenticate", `Bearer realm="`+realm+`",service="registry"`)
				}
				w.WriteHeader(http.StatusUnauthorized)
			}))
			defer srv.Close()
			realm = tc.realm(srv.URL)
			res := providers.TestConnection(context.Background(),
				providers.Target{Provider: providers.Custom, URL: srv.URL, Insecure: true},
				up("dev", "pw-"+emuCanary), providers.Options{AllowLoopback: true})
			want(t, res, tc.want)
			if max := registry.MaxProviderText + len("…"); len(res.Endpoint) > max || res.Endpoint == "" {
				t.Fatalf("endpoint of %d bytes, want 1 to %d", len(res.Endpoint), max)
			}
		})
	}
}

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

// echoToken is the bearer token the hostile registry's token endpoint
// issues: longer than ParseErrorBody's 64-byte cap on provider codes, so a
// clipped copy is exercised too.
const echoToken = "CANARY-echoed-bearer-token-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-end"

// echoingRegistry issues echoToken for any login, then refuses it with
// status, echoing the Authorization header it received in code and
// message (after pad, to push the echo past the message cap).
func echoingRegistry(t *testing.T, status int, pad string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		auth := req.Header.Get("Authorization")
		switch {
		case req.URL.Path == "/auth/token":
			_ = json.NewEncoder(w).Encode(map[string]string{"token": echoToken})
		case auth == "":
			w.Header().Set("Www-Authenticate", `Bearer realm="`+srv.URL+`/auth/token",service="registry"`)
			w.WriteHeader(http.StatusUnauthorized)
		default:
			tok := strings.TrimPrefix(auth, "Bearer ")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{
				{"code": tok, "message": pad + "rejected " + auth}}})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRegistryBearerTokenRedacted: a registry that echoes the bearer token
// just obtained from its token endpoint must not get it into the Result.
func TestRegistryBearerTokenRedacted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		pad    string
		want   providers.Status
		marked bool // the echo shows as [REDACTED] (not clipped away)
	}{
		{"401", http.StatusUnauthorized, "", providers.StatusAuthFailed, true},
		{"403", http.StatusForbidden, "", providers.StatusForbidden, true},
		{"401_clipped_echo", http.StatusUnauthorized, strings.Repeat("x", 150), providers.StatusAuthFailed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := echoingRegistry(t, tc.status, tc.pad)
			c := up("dev", "pw-"+emuCanary)
			res := providers.TestConnection(context.Background(),
				providers.Target{Provider: providers.Custom, URL: srv.URL, Insecure: true}, c,
				providers.Options{AllowLoopback: true})
			want(t, res, tc.want)
			assertNoSecret(t, res, c)
			for field, v := range map[string]string{"Message": res.Message, "ProviderCode": res.ProviderCode, "Endpoint": res.Endpoint} {
				if strings.Contains(v, echoToken[:8]) {
					t.Errorf("%s carries the bearer token: %q", field, v)
				}
			}
			if tc.marked && !strings.Contains(res.Message, "[REDACTED]") {
				t.Errorf("message %q: the echo should show as redacted", res.Message)
			}
		})
	}
}
