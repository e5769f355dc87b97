// Package providertest holds what the provider adapters' tests share: the
// call through the public entry point, and the checks of its outcome
// against an emulator's.
package providertest

import (
	"context"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
)

// TestConnection runs the check through providers.TestConnection, which
// validates the target and finds the checker the adapter registered.
func TestConnection(t testing.TB, target providers.Target, c credentials.Credential, opts providers.Options) providers.Result {
	t.Helper()
	return providers.TestConnection(context.Background(), target, c, opts)
}

// RequireOutcome stops the test unless r has the status, provider code
// and round-trip count wanted.
func RequireOutcome(t testing.TB, r providers.Result, status providers.Status, code string, trips int) {
	t.Helper()
	if r.Status != status || r.ProviderCode != code || r.RoundTrips != trips {
		t.Fatalf("got %s code %q trips %d (%s), want %s code %q trips %d",
			r.Status, r.ProviderCode, r.RoundTrips, r.Message, status, code, trips)
	}
}

// RequireHits reports an emulator that served other requests than want.
func RequireHits[H comparable](t testing.TB, got, want H) {
	t.Helper()
	if got != want {
		t.Errorf("emulator hits %+v, want %+v", got, want)
	}
}
