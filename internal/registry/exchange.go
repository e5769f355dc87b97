package registry

import (
	"context"
	"sync"
	"time"

	"github.com/credvault/credvault/credentials"
)

// A Grant is the registry credential an exchange produced: the user name
// and secret to present as Basic authentication (docker's username and
// password), and when the registry stops accepting it (zero: never by
// itself).
type Grant struct {
	Username string
	Password credentials.Secret
	Expires  time.Time
}

// An Exchanger turns the stored credential c for the registry at t into
// the credential to present to it. A non-nil Result reports the failure
// (its Status says whether the provider refused c or could not answer).
// The checker of the same provider calls it, so test-connection and
// pulls share one exchange.
type Exchanger func(ctx context.Context, s *Session, t Target, c credentials.Credential) (Grant, *Result)

var exchangers = struct {
	sync.RWMutex
	m map[string]Exchanger
}{m: map[string]Exchanger{}}

// RegisterExchange makes e the exchange of provider (the
// providers.Provider value). Providers whose stored login is presented
// as is register none: [Login] serves them. Like Register it panics on an
// empty provider, a nil e or a second registration.
func RegisterExchange(provider string, e Exchanger) {
	if provider == "" || e == nil {
		panic("registry: RegisterExchange: empty provider or nil exchange")
	}
	exchangers.Lock()
	defer exchangers.Unlock()
	if _, dup := exchangers.m[provider]; dup {
		panic("registry: RegisterExchange: provider " + provider + " registered twice")
	}
	exchangers.m[provider] = e
}

// LookupExchange returns the exchange registered for provider.
func LookupExchange(provider string) (Exchanger, bool) {
	exchangers.RLock()
	defer exchangers.RUnlock()
	e, ok := exchangers.m[provider]
	return e, ok
}

// Login is the exchange of the password-like kinds: the stored login
// presented as is, with no round trip and no expiry. A credential with
// no login (nil, or a cloud kind) is StatusInvalidConfig.
func Login(_ context.Context, _ *Session, _ Target, c credentials.Credential) (Grant, *Result) {
	l := LoginFor(c)
	if l == nil {
		r := Invalid("the credential's kind has no registry login")
		return Grant{}, &r
	}
	return Grant{Username: l.Username, Password: l.Password}, nil
}

// Exchange runs e against t with c through Run, so an exchange gets the
// session, timeout and scrubbing a check gets: a failure's Result has c's
// secrets scrubbed. It returns the grant or the failure, and the round
// trips sent.
func Exchange(ctx context.Context, e Exchanger, t Target, c credentials.Credential, cfg Config) (Grant, *Result, int) {
	var g Grant
	r, trips := Run(ctx, func(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
		grant, fail := e(ctx, s, t, c)
		if fail != nil {
			return *fail
		}
		g = grant
		return Result{Status: StatusHealthy, Authenticated: true}
	}, t, c, cfg)
	if r.Status != StatusHealthy {
		return Grant{}, &r, trips
	}
	return g, nil, trips
}
