package providers_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/providers"
)

// TestHarnessTokenStaysWithItsInstance: the API check goes to Harness
// SaaS only for a SaaS registry (pkg.harness.io); a self-managed
// instance's token goes to that instance's own origin, never to SaaS.
func TestHarnessTokenStaysWithItsInstance(t *testing.T) {
	pc := provCases[9]
	if pc.provider != providers.HarnessAR {
		t.Fatalf("provCases[9] is %s", pc.provider)
	}
	var saasHits atomic.Int32
	saas := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		saasHits.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(saas.Close)

	t.Run("self-managed", func(t *testing.T) {
		r := pc.start(t)
		o := opts(r)
		o.Endpoints = map[string]string{"https://app.harness.io": saas.URL}
		res := providers.TestConnection(t.Context(), pc.target(r), pc.good(), o)
		if res.Status != providers.StatusHealthy || saasHits.Load() != 0 {
			t.Fatalf("got %s with %d requests to SaaS: %s", res.Status, saasHits.Load(), res.Message)
		}
	})
	t.Run("SaaS", func(t *testing.T) {
		r := pc.start(t)
		o := opts(r)
		o.Endpoints = map[string]string{"https://app.harness.io": r.URL, "https://pkg.harness.io": r.URL}
		target := providers.Target{Provider: providers.HarnessAR, URL: "https://pkg.harness.io/" + regemu.HarnessSpace}
		res := providers.TestConnection(t.Context(), target, pc.good(), o)
		if res.Status != providers.StatusHealthy {
			t.Fatalf("got %s: %s", res.Status, res.Message)
		}
	})
}
