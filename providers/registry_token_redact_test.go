package providers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/credvault/credvault/providers"
)

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
