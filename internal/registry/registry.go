// Package registry is the plumbing the connection-test adapters share:
// the table of checkers, the session a checker runs in (one safe HTTP
// client, the address policy, endpoint rewriting, round-trip counting),
// the one way to send a request and turn its answer into a [Result], the
// registry v2 challenge and token flow, and the scrubbing of secrets from
// what a provider sends back.
//
// Package providers owns the public API (Target, Options, Result,
// TestConnection); it registers its built-in checkers here and runs the
// one a target's provider needs through [Run]. The cloud adapters
// (providers/ecr, providers/acr, providers/gar) register theirs from init,
// so a program links a cloud SDK only when it imports that adapter.
package registry

import (
	"context"
	"sync"

	"github.com/credvault/credvault/credentials"
)

// A Checker performs one provider's protocol against t with c (nil for an
// anonymous check) and returns the outcome. [Run] fills in nothing but
// scrubs c's secrets from the Result; the caller adds latency and round
// trips.
type Checker func(ctx context.Context, s *Session, t Target, c credentials.Credential) Result

var checkers = struct {
	sync.RWMutex
	m map[string]Checker
}{m: map[string]Checker{}}

// Register makes c the checker of provider (the providers.Provider
// value). Adapter packages call it from init.
//
// Like kek.RegisterScheme and database/sql.Register, it panics if
// provider is empty, if c is nil, or if provider is already registered:
// these are programming errors found at start-up.
func Register(provider string, c Checker) {
	if provider == "" || c == nil {
		panic("registry: Register: empty provider or nil checker")
	}
	checkers.Lock()
	defer checkers.Unlock()
	if _, dup := checkers.m[provider]; dup {
		panic("registry: Register: provider " + provider + " registered twice")
	}
	checkers.m[provider] = c
}

// Lookup returns the checker registered for provider.
func Lookup(provider string) (Checker, bool) {
	checkers.RLock()
	defer checkers.RUnlock()
	c, ok := checkers.m[provider]
	return c, ok
}
