package pull

import (
	"context"
	"net/netip"
	"time"

	"github.com/credvault/credvault/credentials"
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
}

// An Authorizer returns registry credentials for the records of a vault.
// It is safe for concurrent use.
type Authorizer struct {
	v    *vault.Vault
	opts Options
}

// New returns an Authorizer over v.
func New(v *vault.Vault, opts Options) *Authorizer {
	return &Authorizer{v: v, opts: opts}
}

// Authorize returns the credential to present for the record k when
// pulling from repository (the path of the image without the host; ""
// when unknown). The credential comes from the cache when a fresh one is
// there for the record's current version; otherwise the record is opened
// and exchanged.
func (a *Authorizer) Authorize(ctx context.Context, k vault.Key, repository string) (Credential, error) {
	return Credential{}, errNotImplemented
}

// Purge drops every cached credential.
func (a *Authorizer) Purge() {}
