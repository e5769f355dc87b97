// Package providertest holds what the provider adapters' tests share: the
// call through the public entry point, with the DNS a test controls, and
// the checks of its outcome against an emulator's.
package providertest

import (
	"context"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

// Options are the public options of a check plus what only tests set.
type Options struct {
	providers.Options
	// Resolver replaces DNS for the address guard (emulators behind
	// fake host names); nil means DNS.
	Resolver safehttp.Resolver
}

// TestConnection runs the check through providers.TestConnection, which
// validates the target and finds the checker the adapter registered,
// with opts.Resolver in place of DNS when set.
func TestConnection(t testing.TB, target providers.Target, c credentials.Credential, opts Options) providers.Result {
	t.Helper()
	ctx := context.Background()
	if opts.Resolver != nil {
		ctx = registry.WithResolver(ctx, opts.Resolver)
	}
	return providers.TestConnection(ctx, target, c, opts.Options)
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

// Session builds the session a checker would run in under opts, for
// tests that drive an adapter's steps directly.
func Session(t testing.TB, opts Options) *registry.Session {
	t.Helper()
	ctx := context.Background()
	if opts.Resolver != nil {
		ctx = registry.WithResolver(ctx, opts.Resolver)
	}
	s, err := registry.NewSession(ctx, registry.Config{AllowPrivate: opts.AllowPrivate, AllowLoopback: opts.AllowLoopback,
		Timeout: opts.Timeout, Endpoints: opts.Endpoints, RootCAs: opts.RootCAs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
