package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/metrictest"
	"github.com/credvault/credvault/providers"
)

// TestConnectionTestMetrics runs tests that end healthy, auth_failed and
// invalid_config with canary secrets, and checks the outcomes counted by
// provider and status, with no attribute carrying a secret, a URL or what
// the caller typed as a provider.
func TestConnectionTestMetrics(t *testing.T) {
	const good = "pw-good-" + emuCanary
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, p, _ := req.BasicAuth(); p != good {
			w.Header().Set("Www-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	mp, reader := metrictest.Provider()
	ctx := context.Background()
	tg := providers.Target{Provider: providers.Custom, URL: srv.URL, Insecure: true}
	o := providers.Options{AllowLoopback: true, MeterProvider: mp}
	for c, st := range map[string]providers.Status{good: providers.StatusHealthy, "pw-bad-" + emuCanary: providers.StatusAuthFailed} {
		if res := providers.TestConnection(ctx, tg, up("dev", c), o); res.Status != st {
			t.Fatalf("got %+v, want %s", res, st)
		}
	}
	odd := providers.Target{Provider: providers.Provider("NOPE-" + emuCanary)}
	if res := providers.TestConnection(ctx, odd, up("dev", good), o); res.Status != providers.StatusInvalidConfig {
		t.Fatalf("got %+v, want invalid_config", res)
	}
	got := metrictest.Series(t, reader, emuCanary, "NOPE", strings.TrimPrefix(srv.URL, "https://"))
	const name = "credvault.connection_test.duration"
	want := map[string]int64{
		name + "{credvault.connection_test.status=healthy,credvault.provider=CUSTOM}":        1,
		name + "{credvault.connection_test.status=auth_failed,credvault.provider=CUSTOM}":    1,
		name + "{credvault.connection_test.status=invalid_config,credvault.provider=_OTHER}": 1,
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s = %d, want %d", k, got[k], n)
		}
	}
}
