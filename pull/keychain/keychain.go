// Package keychain is a go-containerregistry [authn.Keychain] over the
// records of one org: remote.Image, crane and every other
// go-containerregistry client pull with the credentials a credvault vault
// keeps, exchanged and cached by a [pull.Authorizer].
//
// It is a package of its own so that programs importing package pull do
// not link go-containerregistry.
//
// # Which registries it answers for
//
// Resolve maps the resource's registry host, and its repository when the
// resource is a repository, tag or digest, to a record with
// [pull.Authorizer.Match]. A host no record of the org serves resolves to
// [authn.Anonymous], the keychain convention for "not mine", so that
// authn.NewMultiKeychain can ask the next keychain. Every other failure is
// an error, never Anonymous: two records matching equally (an ambiguity
// is not resolved by pulling without credentials), a record that fails to
// open, an exchange the provider refused or could not answer, and a
// registry go-containerregistry may reach over plain http (a loopback,
// private or name.Insecure address, see name.Registry.Scheme) when the
// record was not stored as insecure.
//
// # Expiry
//
// The authenticator Resolve returns holds the record's key, not a
// credential: go-containerregistry asks it for an authorization on every
// token exchange or Basic request, and each time it asks the Authorizer,
// whose cache returns the current credential or refreshes it ahead of its
// expiry. A long pull therefore never presents an expired token, and an
// updated record is picked up without resolving again.
package keychain

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/vault"
)

// ErrPlainHTTP marks a registry that go-containerregistry may reach over
// plain http while its record was not stored as insecure.
var ErrPlainHTTP = errors.New("keychain: registry may be reached over plain http but its record is not insecure")

// A Keychain resolves registries to the records of one org. It is safe
// for concurrent use.
type Keychain struct {
	a   *pull.Authorizer
	org string
}

var (
	_ authn.Keychain        = (*Keychain)(nil)
	_ authn.ContextKeychain = (*Keychain)(nil)
)

// New returns the keychain of org's records, authorized by a.
func New(a *pull.Authorizer, org string) *Keychain {
	return &Keychain{a: a, org: org}
}

// Resolve is ResolveContext with a background context.
func (k *Keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

// ResolveContext returns the authenticator for the record serving r:
// authn.Anonymous when no record of the org serves r's host, an error
// when the match fails otherwise (see the package documentation).
func (k *Keychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	host, repo := r.RegistryStr(), repository(r)
	m, err := k.a.Match(ctx, k.org, host, repo)
	if errors.Is(err, pull.ErrNoMatch) {
		return authn.Anonymous, nil
	}
	if err != nil {
		return nil, err
	}
	if s, ok := r.(interface{ Scheme() string }); ok && s.Scheme() == "http" && !m.Insecure {
		return nil, fmt.Errorf("%w: %s (record %s): store it as insecure to allow that", ErrPlainHTTP, host, m.Key)
	}
	return &authenticator{a: k.a, key: m.Key, repo: repo}, nil
}

// repository returns r's repository path, "" when r names a registry only.
func repository(r authn.Resource) string {
	if rr, ok := r.(interface{ RepositoryStr() string }); ok {
		return rr.RepositoryStr()
	}
	return ""
}

// An authenticator asks the Authorizer for the record's credential on
// every call.
type authenticator struct {
	a    *pull.Authorizer
	key  vault.Key
	repo string
}

var _ authn.ContextAuthenticator = (*authenticator)(nil)

// Authorization is AuthorizationContext with a background context.
func (au *authenticator) Authorization() (*authn.AuthConfig, error) {
	return au.AuthorizationContext(context.Background())
}

// AuthorizationContext returns the record's current credential as
// username and password.
func (au *authenticator) AuthorizationContext(ctx context.Context) (*authn.AuthConfig, error) {
	c, err := au.a.Authorize(ctx, au.key, au.repo)
	if err != nil {
		return nil, err
	}
	return &authn.AuthConfig{Username: c.Username, Password: c.Secret.Reveal()}, nil
}

// String names the record, never the credential.
func (au *authenticator) String() string { return "credvault record " + au.key.String() }
