package acr

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/providers"
)

func init() {
	registry.Register(string(providers.AzureACR), check)
	registry.RegisterExchange(string(providers.AzureACR), exchange)
}

// check is the AZURE_ACR Checker; TestConnection fills in latency and round trips.
func check(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	switch cred := deref(c).(type) {
	case credentials.UsernamePassword:
		host, err := registryHost(t, cred.Username)
		if err != nil {
			return registry.Invalid(err.Error())
		}
		return checkAdmin(ctx, s, host, cred)
	case credentials.AzureAcr:
		if t.URL == "" {
			return checkIdentity(ctx, s, cred)
		}
		host, err := registryHost(t, "")
		if err != nil {
			return registry.Invalid(err.Error())
		}
		return checkServicePrincipal(ctx, s, host, cred)
	}
	return registry.Invalid(needs)
}

// exchange is the AZURE_ACR Exchanger: the admin user as stored (no
// round trip, no expiry), or a service principal's ACR refresh token for
// user RefreshUser.
func exchange(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) (registry.Grant, *registry.Result) {
	switch cred := deref(c).(type) {
	case credentials.UsernamePassword:
		if _, err := registryHost(t, cred.Username); err != nil {
			r := registry.Invalid(err.Error())
			return registry.Grant{}, &r
		}
		return registry.Grant{Username: cred.Username, Password: cred.Password}, nil
	case credentials.AzureAcr:
		host, err := registryHost(t, "")
		if err != nil {
			r := registry.Invalid(err.Error())
			return registry.Grant{}, &r
		}
		return exchangeServicePrincipal(ctx, s, host, cred)
	}
	r := registry.Invalid(needs)
	return registry.Grant{}, &r
}

// needs is the message for a credential of another kind.
const needs = "AZURE_ACR needs an AzureAcr service principal or the admin user's UsernamePassword"

func deref(c credentials.Credential) credentials.Credential {
	switch v := c.(type) {
	case *credentials.UsernamePassword:
		if v != nil {
			return *v
		}
	case *credentials.AzureAcr:
		if v != nil {
			return *v
		}
	default:
		return c
	}
	return nil
}

var hostRE = regexp.MustCompile(`^[a-z0-9]{5,50}(-[a-z0-9]{1,16})?(\.[a-z0-9]+\.geo)?\.azurecr\.(io|cn|us)$`)

// registryHost is the target URL's host, or <admin user>.azurecr.io when
// there is no URL (a service principal without a URL never gets here).
func registryHost(t registry.Target, adminUser string) (string, error) {
	if t.URL == "" {
		h := strings.ToLower(adminUser) + ".azurecr.io"
		if !hostRE.MatchString(h) {
			return "", errors.New("the admin user name is not a registry name, and the target has no URL")
		}
		return h, nil
	}
	u, err := url.Parse(t.URL)
	if err != nil || u.Scheme != "https" || u.Port() != "" || !hostRE.MatchString(strings.ToLower(u.Hostname())) {
		return "", errors.New("the URL is not an https Azure Container Registry host")
	}
	return strings.ToLower(u.Hostname()), nil
}

// checkAdmin sends the admin user's Basic credentials to the realm (the
// token request docker login makes, without scope) and GET /v2/ with the
// access token: two round trips.
func checkAdmin(ctx context.Context, s *registry.Session, host string, cred credentials.UsernamePassword) registry.Result {
	pass := cred.Password.Reveal()
	realm := "https://" + host + "/oauth2/token?service=" + url.QueryEscape(host)
	body, r := s.Send(ctx, registry.Call{URL: realm, Header: registry.Basic(cred.Username, pass), Secrets: []string{pass},
		Who: "token realm", What: "token realm refused the admin user"})
	if r != nil {
		return *r
	}
	access, ok := registry.TokenField(body, "access_token")
	if !ok {
		return noToken(realm, "token realm")
	}
	return ping(ctx, s, host, access, "admin user accepted", pass)
}

// ping sends GET /v2/ with the registry access token.
func ping(ctx context.Context, s *registry.Session, host, access, what string, secrets ...string) registry.Result {
	endpoint := "https://" + host + "/v2/"
	if _, r := s.Send(ctx, registry.Call{URL: endpoint, Header: registry.Bearer(access), Secrets: append(secrets, access)}); r != nil {
		return *r
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: endpoint, Authenticated: true,
		Message: what + "; " + host + " answered /v2/"}
}

// noToken is the Result for a 2xx token answer without the token.
func noToken(endpoint, what string) registry.Result {
	return registry.Result{Status: registry.StatusProviderError, Endpoint: registry.Shown(endpoint), Message: what + ": no token in the response"}
}
