package registry_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/registry"
)

// TestSendRedactsProviderCode: Session.Send promises the
// Call's secrets never reach a Result, but a registry echoing the token it
// received in the error's "code" got it into both Message and
// ProviderCode, which nothing redacted.
func TestSendRedactsProviderCode(t *testing.T) {
	for _, tok := range []string{
		"CANARY-derived-token-0123456789",                                       // fits the 64-byte code cap
		"CANARY-derived-token-" + strings.Repeat("0123456789", 10) + "-the-end", // clipped to 64 bytes
	} {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{
				{"code": strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), "message": "refused"}}})
		}))
		s, err := registry.NewSession(context.Background(), registry.Config{Insecure: true, AllowLoopback: true})
		if err != nil {
			t.Fatal(err)
		}
		_, r := s.Send(context.Background(), registry.Call{URL: srv.URL + "/v2/",
			Header: registry.Bearer(tok), Secrets: []string{tok}})
		srv.Close()
		if r == nil {
			t.Fatal("Send succeeded")
		}
		if r.Status != registry.StatusAuthFailed {
			t.Errorf("status %s", r.Status)
		}
		for field, v := range map[string]string{"Message": r.Message, "ProviderCode": r.ProviderCode} {
			if strings.Contains(v, "CANARY-derived") {
				t.Errorf("%s carries the token: %q", field, v)
			}
		}
	}
}
