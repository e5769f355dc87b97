package kek

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"
)

// OrgPlaceholder is replaced by the org name in resolver URL templates.
const OrgPlaceholder = "{org}"

// MaxCachedKEKs bounds the KEKs a Resolver keeps. Some backends open a
// KEK for any well-formed org without a network call (kek/awskms makes its
// first call on use), so callers that pass unauthenticated org names could
// otherwise grow the cache without bound; past the cap, KEKs are opened
// on every call instead of cached. A KEK opened past the cap that holds
// resources (an io.Closer, such as kek/gocloud's) is closed as soon as no
// call uses it (see Resolver.KEK).
const MaxCachedKEKs = 4096

// A Resolver maps an org to its KEK by building a URL for the org and
// opening it with Open. It satisfies vault.KEKResolver. Opened KEKs are
// cached per URL for the Resolver's lifetime (one entry per org in
// practice, up to MaxCachedKEKs); concurrent first calls for the same URL
// open it once, and a failed open is not cached. It is safe for
// concurrent use.
type Resolver struct {
	urlFor func(org string) (string, error)

	group singleflight.Group
	mu    sync.RWMutex
	keks  map[string]KEK
}

// NewTemplateResolver returns a Resolver that opens, for org, template
// with every "{org}" replaced by the org name, for example
//
//	awskms://alias/credvault-{org}?region=eu-west-1
//	local:///var/lib/credvault/keysets?org={org}&root_key_env=CREDVAULT_ROOT_KEY
//
// The template must contain "{org}", and its scheme must be registered
// (ErrUnknownScheme otherwise: import the backend package). Org names must
// pass ValidateOrg (a *NameError otherwise). Errors never quote the
// template.
func NewTemplateResolver(template string) (*Resolver, error) {
	i := strings.Index(template, OrgPlaceholder)
	if i < 0 {
		return nil, fmt.Errorf("kek: URL template has no %s: %w", OrgPlaceholder, ErrInvalidInput)
	}
	if c := strings.Index(template, ":"); c < 0 || i < c {
		return nil, fmt.Errorf("kek: URL template has %s in its scheme: %w", OrgPlaceholder, ErrInvalidInput)
	}
	if err := checkTemplate(template); err != nil {
		return nil, err
	}
	return newResolver(func(org string) (string, error) { return expand(template, org) }), nil
}

// expand substitutes a validated org into template.
func expand(template, org string) (string, error) {
	if err := ValidateOrg(org); err != nil {
		return "", err
	}
	return strings.ReplaceAll(template, OrgPlaceholder, org), nil
}

// checkTemplate parses template with a sample org and checks its scheme.
func checkTemplate(template string) error {
	u, err := parseKEKURL(strings.ReplaceAll(template, OrgPlaceholder, "org"))
	if err != nil {
		return err
	}
	if _, ok := lookupScheme(u.Scheme); !ok {
		return &UnknownSchemeError{Scheme: u.Scheme, Registered: Schemes()}
	}
	return nil
}

// A MapOption configures NewMapResolver.
type MapOption func(*mapConfig)

type mapConfig struct{ fallback string }

// WithDefault makes a map resolver open template (with "{org}" replaced
// as in NewTemplateResolver, or a fixed URL) for orgs the map lacks.
func WithDefault(template string) MapOption {
	return func(c *mapConfig) { c.fallback = template }
}

// NewMapResolver returns a Resolver opening urls[org], or the WithDefault
// template for other orgs; without a default an unlisted org fails with
// ErrKeyNotFound. Keys must pass ValidateOrg and every URL's scheme must be
// registered. The map is copied. Errors never quote a URL.
func NewMapResolver(urls map[string]string, opts ...MapOption) (*Resolver, error) {
	var c mapConfig
	for _, o := range opts {
		o(&c)
	}
	fixed := make(map[string]string, len(urls))
	for org, u := range urls {
		if err := ValidateOrg(org); err != nil {
			return nil, err
		}
		if err := checkTemplate(u); err != nil {
			return nil, err
		}
		fixed[org] = u
	}
	if c.fallback != "" {
		if err := checkTemplate(c.fallback); err != nil {
			return nil, err
		}
	}
	return newResolver(func(org string) (string, error) {
		if err := ValidateOrg(org); err != nil {
			return "", err
		}
		if u, ok := fixed[org]; ok {
			return u, nil
		}
		if c.fallback == "" {
			return "", fmt.Errorf("kek: no KEK configured for org %q: %w", org, ErrKeyNotFound)
		}
		return expand(c.fallback, org)
	}), nil
}

func newResolver(urlFor func(string) (string, error)) *Resolver {
	return &Resolver{urlFor: urlFor, keks: map[string]KEK{}}
}

// KEK returns org's KEK, opening it on first use. The KEKs it returns
// stay usable until Close.
//
// Past MaxCachedKEKs, the KEK is opened and not cached. If it holds
// resources (an io.Closer), KEK closes it at once and returns a KEK that
// opens the URL again when a call starts and closes it when the last
// concurrent call ends: nothing the Resolver opens outlives its use, and
// no call sees its KEK closed.
func (r *Resolver) KEK(ctx context.Context, org string) (KEK, error) {
	u, err := r.urlFor(org)
	if err != nil {
		return nil, err
	}
	if k := r.cached(u); k != nil {
		return k, nil
	}
	detached := context.WithoutCancel(ctx)
	ch := r.group.DoChan(u, func() (any, error) { return r.open(detached, u) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(KEK), nil
	case <-ctx.Done():
		return nil, &OpenError{Err: ctx.Err()}
	}
}

func (r *Resolver) cached(u string) KEK {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keks[u]
}

// open opens u once. It runs detached from the cancellation of the
// caller that started it (the callers sharing it may each give up), so an
// open that hangs is bounded only by the backend's own timeouts.
func (r *Resolver) open(ctx context.Context, u string) (KEK, error) {
	if k := r.cached(u); k != nil {
		return k, nil
	}
	k, err := Open(ctx, u)
	if err != nil {
		return nil, err
	}
	if r.cache(u, k) {
		return k, nil
	}
	return uncached(k, u)
}

// cache caches k for u unless the cache is full.
func (r *Resolver) cache(u string, k KEK) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keks) >= MaxCachedKEKs {
		return false
	}
	r.keks[u] = k
	return true
}

// Close closes every cached KEK that has a Close method (kek/gocloud's
// do) and empties the cache. Call it after the last call to a KEK the
// Resolver returned: cached KEKs are closed even if a call is using them.
func (r *Resolver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for u, k := range r.keks {
		if c, ok := k.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
		delete(r.keks, u)
	}
	return errors.Join(errs...)
}

// StaticResolver maps org names to already opened KEKs. It satisfies
// vault.KEKResolver; an unlisted org fails with ErrKeyNotFound.
type StaticResolver map[string]KEK

// KEK returns the KEK of org.
func (s StaticResolver) KEK(_ context.Context, org string) (KEK, error) {
	if err := ValidateOrg(org); err != nil {
		return nil, err
	}
	k, ok := s[org]
	if !ok || k == nil {
		return nil, fmt.Errorf("kek: no KEK for org %q: %w", org, ErrKeyNotFound)
	}
	return k, nil
}
