package providers_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/providers"
)

// ghcrForbidding imitates GHCR answering anonymous /v2/ with 403 and no
// challenge (Harbor #21979). Its token endpoint issues a token for the
// valid login as Basic with service=ghcr.io; logins counts the Basic
// credentials that reached it.
type ghcrForbidding struct {
	srv    *httptest.Server
	logins atomic.Int32
}

const (
	ghcrUser  = "octocat"
	ghcrPAT   = "ghp_" + emuCanary
	ghcrToken = "ghcr-issued-token-0123456789"
)

func startGHCRForbidding(t *testing.T) *ghcrForbidding {
	t.Helper()
	g := &ghcrForbidding{}
	g.srv = httptest.NewTLSServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *ghcrForbidding) serve(w http.ResponseWriter, req *http.Request) {
	switch req.URL.Path {
	case "/token":
		u, p, ok := req.BasicAuth()
		if ok {
			g.logins.Add(1)
		}
		if !ok || u != ghcrUser || p != ghcrPAT || req.URL.Query().Get("service") != "ghcr.io" {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "authentication required"}}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"token": ghcrToken})
	case "/v2/":
		if req.Header.Get("Authorization") != "Bearer "+ghcrToken {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": "requested access to the resource is denied"}}})
			return
		}
		_, _ = w.Write([]byte("{}"))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (g *ghcrForbidding) options() providers.Options {
	pool := x509.NewCertPool()
	pool.AddCert(g.srv.Certificate())
	return providers.Options{AllowLoopback: true, RootCAs: pool,
		Endpoints: map[string]string{"https://ghcr.io": g.srv.URL}}
}

// TestGHCRAnonymousForbiddenStillAuthenticates: a 403 to the anonymous
// probe must not stop a credentialed check; the login goes to the pinned
// realm as if a Bearer challenge had come.
func TestGHCRAnonymousForbiddenStillAuthenticates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pass   string
		anon   bool
		want   providers.Status
		auth   bool
		trips  int
		logins int32
	}{
		{"valid_pat", ghcrPAT, false, providers.StatusHealthy, true, 3, 1},
		{"wrong_pat", ghcrPAT + "-wrong", false, providers.StatusAuthFailed, false, 2, 1},
		{"anonymous", "", true, providers.StatusHealthy, false, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := startGHCRForbidding(t)
			c := pat(ghcrUser, tc.pass)
			if tc.anon {
				c = nil
			}
			res := providers.TestConnection(context.Background(),
				providers.Target{Provider: providers.GHCR, URL: "https://ghcr.io"}, c, g.options())
			want(t, res, tc.want)
			assertNoSecret(t, res, c)
			if res.Authenticated != tc.auth || res.RoundTrips != tc.trips || g.logins.Load() != tc.logins {
				t.Fatalf("got %+v and %d logins at the token endpoint, want authenticated=%v, %d round trips, %d logins",
					res, g.logins.Load(), tc.auth, tc.trips, tc.logins)
			}
		})
	}
}
