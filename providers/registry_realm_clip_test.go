package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
			if max := providers.MaxProviderText + len("…"); len(res.Endpoint) > max || res.Endpoint == "" {
				t.Fatalf("endpoint of %d bytes, want 1 to %d", len(res.Endpoint), max)
			}
		})
	}
}
