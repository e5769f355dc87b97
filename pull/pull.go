package pull

import (
	"context"
	"crypto/x509"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// Default option values.
const (
	// DefaultMargin is how long before its expiry a cached credential is
	// refreshed: a pull that starts with it still has this long to
	// authenticate its requests.
	DefaultMargin = 5 * time.Minute
	// DefaultRecheck is how long a cached credential is served before the
	// record's version is read again.
	DefaultRecheck = 5 * time.Second
	// DefaultMaxEntries bounds the cache.
	DefaultMaxEntries = 4096
)

// A Credential is what to present to a registry: Username and Secret as
// Basic authentication, or as docker's username and password.
//
//   - Password-like kinds: the stored username (a Harbor robot's full
//     name with its prefix) and password, token or identity token.
//   - ECR: "AWS" and the GetAuthorizationToken password.
//   - ACR service principal: "00000000-0000-0000-0000-000000000000" and
//     the ACR refresh token; the admin user: its name and password.
//   - GAR: "oauth2accesstoken" and the OAuth access token.
type Credential struct {
	Username string
	Secret   credentials.Secret
	// Expires is when the registry stops accepting Secret; the zero time
	// means it does not expire by itself.
	Expires time.Time
}

// Options tune an Authorizer. The zero value is the production default.
type Options struct {
	// Margin: a credential is refreshed once less than Margin of its
	// lifetime remains. Zero means DefaultMargin; a lifetime shorter than
	// twice the margin is refreshed at half its lifetime instead.
	Margin time.Duration
	// Recheck: how long a cached credential is served without reading the
	// record's version. Zero means DefaultRecheck; a negative value reads
	// the version on every call.
	Recheck time.Duration
	// MaxEntries bounds the cached credentials; zero means
	// DefaultMaxEntries.
	MaxEntries int
	// Clock returns the current time; nil means time.Now. Tests inject
	// one.
	Clock func() time.Time
	// AllowPrivate admits these private prefixes for exchanges, as
	// providers.Options does.
	AllowPrivate []netip.Prefix
	// AllowLoopback admits loopback addresses; only tests should set it.
	AllowLoopback bool
	// Timeout bounds one exchange; zero means 30s.
	Timeout time.Duration
	// Endpoints rewrites fixed provider origins (scheme://host[:port]),
	// as providers.Options.Endpoints does.
	Endpoints map[string]string
	// RootCAs, when set, replaces the system roots; a record's CA bundle
	// is added to it.
	RootCAs *x509.CertPool
}

// An Authorizer returns registry credentials for the records of a vault.
// It is safe for concurrent use.
type Authorizer struct {
	v       *vault.Vault
	opts    Options
	cache   *cache
	flights singleflight.Group
	// exchange turns an opened entry into a grant; tests replace it.
	exchange func(ctx context.Context, e vault.Entry) (registry.Grant, *registry.Result, int)
	// exchanges and trips count exchanges run and requests they sent.
	exchanges, trips atomic.Int64
}

// New returns an Authorizer over v with opts (zero fields take their
// defaults).
func New(v *vault.Vault, opts Options) *Authorizer {
	if opts.Margin <= 0 {
		opts.Margin = DefaultMargin
	}
	if opts.Recheck == 0 {
		opts.Recheck = DefaultRecheck
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	a := &Authorizer{v: v, opts: opts, cache: newCache(opts.MaxEntries)}
	a.exchange = a.exchangeEntry
	return a
}

// Authorize returns the credential to present for the record k when
// pulling from repository (the path of the image without the host; ""
// when unknown; every exchange today yields one credential for the whole
// registry, so it does not change the answer). A fresh credential for
// the record's current version comes from the cache; otherwise the record
// is opened and exchanged, one exchange per record however many callers
// wait for it. A record stored without a credential yields the zero
// Credential: pull anonymously.
//
// A cached credential due for a refresh is still served, until it
// expires, when the refresh fails; after that the failure is returned,
// matching ErrExpired. Errors are *Error values naming the record.
func (a *Authorizer) Authorize(ctx context.Context, k vault.Key, repository string) (Credential, error) {
	now := a.opts.Clock()
	if e := a.cache.get(k); e != nil && e.servable(now, a.opts.Recheck, a.opts.Margin) {
		return e.cred, nil
	}
	ch := a.flights.DoChan(k.Org+"\x00"+k.Registry, func() (any, error) {
		// The exchange outlives a caller that gives up: others may wait on it.
		return a.refresh(context.WithoutCancel(ctx), k)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return Credential{}, res.Err
		}
		return res.Val.(Credential), nil
	case <-ctx.Done():
		return Credential{}, &Error{Record: k.String(), Message: "gave up waiting for the exchange", Err: ctx.Err()}
	}
}

// refresh is Authorize's slow path, run once per key at a time: confirm
// the cached entry's version, or open the record and exchange it.
func (a *Authorizer) refresh(ctx context.Context, k vault.Key) (Credential, error) {
	now := a.opts.Clock()
	old := a.cache.get(k)
	if old != nil {
		d, err := a.v.Describe(ctx, k)
		if err != nil {
			a.cache.drop(k)
			return Credential{}, openErr(k, err)
		}
		if d.Version != old.version {
			a.cache.drop(k) // an updated record never serves the old credential
			old = nil
		} else if old.fresh(now, a.opts.Margin) {
			confirmed := *old
			confirmed.checked = now
			a.cache.put(&confirmed)
			return old.cred, nil
		}
	}
	e, err := a.exchangeRecord(ctx, k)
	if err == nil {
		a.cache.put(e)
		return e.cred, nil
	}
	return a.fallback(k, old, err)
}

// fallback decides what a failed refresh returns: the old credential
// while it has not expired (held, so the next attempt waits for the
// recheck window), else the failure (ErrExpired when there was an old
// credential).
func (a *Authorizer) fallback(k vault.Key, old *entry, err error) (Credential, error) {
	now := a.opts.Clock()
	switch {
	case old == nil:
		return Credential{}, err
	case old.usable(now):
		held := *old
		held.checked, held.held = now, true
		a.cache.put(&held)
		return old.cred, nil
	}
	a.cache.drop(k)
	var pe *Error
	if errors.As(err, &pe) {
		expired := *pe
		expired.Message = "the cached credential expired and its refresh failed: " + pe.Message
		expired.Err = errors.Join(ErrExpired, pe.Err)
		return Credential{}, &expired
	}
	return Credential{}, err
}

// exchangeRecord opens the record and exchanges its credential.
func (a *Authorizer) exchangeRecord(ctx context.Context, k vault.Key) (*entry, error) {
	ent, version, err := a.v.Open(ctx, k)
	if err != nil {
		return nil, openErr(k, err)
	}
	if registry.IsNil(ent.Credential) {
		now := a.opts.Clock()
		return &entry{key: k, version: version, obtained: now, checked: now}, nil
	}
	a.exchanges.Add(1)
	g, r, trips := a.exchange(ctx, ent)
	a.trips.Add(int64(trips))
	now := a.opts.Clock()
	if r != nil {
		return nil, resultErr(k, hostOf(ent), *r)
	}
	if !g.Expires.IsZero() && !now.Before(g.Expires) {
		return nil, &Error{Record: k.String(), Host: hostOf(ent), Message: "the provider issued a credential that has already expired", Err: ErrUnavailable}
	}
	return &entry{key: k, version: version, obtained: now, checked: now,
		cred: Credential{Username: g.Username, Secret: g.Password, Expires: g.Expires}}, nil
}

// exchangeEntry runs the exchange registered for the entry's provider,
// or presents its login as is when none is registered.
func (a *Authorizer) exchangeEntry(ctx context.Context, e vault.Entry) (registry.Grant, *registry.Result, int) {
	ex, ok := lookupExchange(string(e.Provider))
	if !ok && registry.LoginFor(e.Credential) != nil {
		ex, ok = registry.Login, true
	}
	if !ok {
		r := registry.Result{Status: registry.StatusInvalidConfig, Message: "no exchange linked for " + string(e.Provider) +
			": import its adapter package (providers/all links every one)"}
		return registry.Grant{}, &r, 0
	}
	cfg := registry.Config{AllowPrivate: a.opts.AllowPrivate, AllowLoopback: a.opts.AllowLoopback, Timeout: a.opts.Timeout,
		Endpoints: a.opts.Endpoints, RootCAs: a.opts.RootCAs, CABundle: e.CABundle, Insecure: e.Insecure}
	return registry.Exchange(ctx, ex, registry.Target{URL: endpoint(e), Insecure: e.Insecure}, e.Credential, cfg)
}

// lookupExchange finds a provider's exchange; a test unlinks them.
var lookupExchange = registry.LookupExchange

// endpoint is the entry's URL, or its provider's default.
func endpoint(e vault.Entry) string {
	if e.URL != "" {
		return e.URL
	}
	info, _ := providers.Lookup(e.Provider)
	return info.DefaultURL
}

// hostOf is the host of the entry's endpoint, "" when it has none.
func hostOf(e vault.Entry) string {
	u, err := url.Parse(endpoint(e))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// Purge drops every cached credential.
func (a *Authorizer) Purge() { a.cache.purge() }
