package acr

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

// Scope is the Entra ID scope of a token ACR accepts at /oauth2/exchange.
const Scope = "https://containerregistry.azure.net/.default"

// authorityFor is the Entra authority of the cloud a registry host is in.
func authorityFor(host string) string {
	switch {
	case strings.HasSuffix(host, ".azurecr.cn"):
		return strings.TrimSuffix(cloud.AzureChina.ActiveDirectoryAuthorityHost, "/")
	case strings.HasSuffix(host, ".azurecr.us"):
		return strings.TrimSuffix(cloud.AzureGovernment.ActiveDirectoryAuthorityHost, "/")
	}
	return strings.TrimSuffix(cloud.AzurePublic.ActiveDirectoryAuthorityHost, "/")
}

// RefreshUser is the user name that presents an ACR refresh token as
// docker's password (docker login -u 00000000-0000-0000-0000-000000000000).
const RefreshUser = "00000000-0000-0000-0000-000000000000"

// defaultRefreshLifetime is the lifetime assumed for a refresh token
// whose exp claim cannot be read (ACR issues them for 3 hours).
const defaultRefreshLifetime = 3 * time.Hour

// checkServicePrincipal exchanges the service principal for an ACR
// refresh token (exchangeServicePrincipal), that for an access token at
// /oauth2/token, and sends GET /v2/ with it: five round trips (tenant
// discovery, token, exchange, token, /v2/).
func checkServicePrincipal(ctx context.Context, s *registry.Session, host string, cred credentials.AzureAcr) registry.Result {
	secret := cred.ClientSecret.Reveal()
	g, r := exchangeServicePrincipal(ctx, s, host, cred)
	if r != nil {
		return *r
	}
	refresh := g.Password.Reveal()
	tokenURL := "https://" + host + "/oauth2/token"
	body, r := s.Send(ctx, registry.Call{Method: http.MethodPost, URL: tokenURL, Secrets: []string{secret, refresh},
		Form: url.Values{"grant_type": {"refresh_token"}, "service": {host}, "refresh_token": {refresh}}})
	if r != nil {
		return *r
	}
	access, ok := registry.TokenField(body, "access_token")
	if !ok {
		return noToken(tokenURL, "/oauth2/token")
	}
	return ping(ctx, s, host, access, "service principal signed in and exchanged its token", secret, refresh)
}

// exchangeServicePrincipal signs the service principal in with azidentity
// (client credentials) and exchanges the Entra token for an ACR refresh
// token at /oauth2/exchange: one round trip after the Entra token. The
// grant's expiry is the refresh token's exp claim.
func exchangeServicePrincipal(ctx context.Context, s *registry.Session, host string, cred credentials.AzureAcr) (registry.Grant, *registry.Result) {
	aad, r := entraToken(ctx, s, host, cred)
	if r != nil {
		return registry.Grant{}, r
	}
	exchange := "https://" + host + "/oauth2/exchange"
	body, r := s.Send(ctx, registry.Call{Method: http.MethodPost, URL: exchange, Secrets: []string{cred.ClientSecret.Reveal(), aad},
		Form: url.Values{"grant_type": {"access_token"}, "service": {host}, "tenant": {cred.TenantID}, "access_token": {aad}}})
	if r != nil {
		return registry.Grant{}, r
	}
	refresh, ok := registry.TokenField(body, "refresh_token")
	if !ok {
		r := noToken(exchange, "/oauth2/exchange")
		return registry.Grant{}, &r
	}
	return registry.Grant{Username: RefreshUser, Password: credentials.NewSecret(refresh), Expires: tokenExpiry(refresh)}, nil
}

// tokenExpiry reads the exp claim of a JWT without verifying it (the
// registry verifies; this only schedules the refresh), or returns
// defaultRefreshLifetime from now when there is none.
func tokenExpiry(jwt string) time.Time {
	parts := strings.Split(jwt, ".")
	if len(parts) == 3 {
		var claims struct {
			Exp json.Number `json:"exp"`
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err == nil && json.Unmarshal(raw, &claims) == nil {
			if exp, err := claims.Exp.Int64(); err == nil && exp > 0 {
				return time.Unix(exp, 0)
			}
		}
	}
	return time.Now().Add(defaultRefreshLifetime)
}

// checkIdentity signs the service principal in to the public cloud's
// Entra ID and stops there: a target without a URL names no registry, so
// the identity is all that can be checked (two round trips: tenant
// discovery, token). The Result says no registry was reached.
func checkIdentity(ctx context.Context, s *registry.Session, cred credentials.AzureAcr) registry.Result {
	if _, r := entraToken(ctx, s, "", cred); r != nil {
		return *r
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: tokenEndpoint("", cred), Authenticated: true, IdentityOnly: true,
		Message: "service principal signed in to Entra ID; the target names no registry, so no registry was reached " +
			"and registry access is unchecked"}
}

// tokenEndpoint is the Entra token endpoint of the registry host's cloud
// (the public cloud for "") for the principal's tenant, as a Result shows
// it.
func tokenEndpoint(host string, cred credentials.AzureAcr) string {
	return authorityFor(host) + "/" + cred.TenantID + "/oauth2/v2.0/token"
}

// entraToken gets an Entra ID token for Scope through azidentity, with the
// session's client as transport and the authority (rewritten through
// Options.Endpoints) checked against the address policy first.
func entraToken(ctx context.Context, s *registry.Session, host string, cred credentials.AzureAcr) (string, *registry.Result) {
	logical := authorityFor(host)
	endpoint := tokenEndpoint(host, cred)
	authority := logical
	if v, ok := s.Endpoint(logical); ok {
		authority = v
	}
	if u, err := url.Parse(authority); err != nil || u.Scheme != "https" {
		return "", &registry.Result{Status: registry.StatusInvalidConfig, Endpoint: endpoint, Message: "the Entra authority must be https"}
	} else if err := s.Policy.CheckURL(ctx, u); err != nil {
		st, reason := s.TransportStatus(err)
		return "", &registry.Result{Status: st, Endpoint: endpoint, Message: "Entra authority " + reason}
	}
	client, capture := registry.CaptureErrors(s.Client)
	c, err := azidentity.NewClientSecretCredential(cred.TenantID, cred.ClientID, cred.ClientSecret.Reveal(), &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: authority + "/"},
			Transport: client,
			Retry:     policy.RetryOptions{MaxRetries: 1, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: time.Second},
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		return "", &registry.Result{Status: registry.StatusInvalidConfig, Endpoint: endpoint, Message: "service principal: tenant or client id is malformed"}
	}
	tok, err := c.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{Scope}})
	if err != nil {
		sent, transportErr := capture.Last()
		if transportErr == nil {
			transportErr = s.RedirectRefusal() // azidentity hides a refused redirect too
		}
		r := entraFailure(s, err, transportErr, sent, endpoint)
		return "", &r
	}
	return tok.Token, nil
}

// entraFailure maps a failed sign-in: Entra's JSON error (from the
// response azidentity keeps), or the transport error the capture saw.
func entraFailure(s *registry.Session, err, transportErr error, sent int, endpoint string) registry.Result {
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		return entraResponse(s, afe.RawResponse, endpoint)
	}
	if transportErr != nil {
		st, reason := s.TransportStatus(transportErr)
		return registry.Result{Status: st, Endpoint: endpoint, Message: "Entra ID: " + reason}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return registry.Result{Status: registry.StatusTimeout, Endpoint: endpoint, Message: "Entra ID: timed out"}
	}
	if sent == 0 {
		return registry.Result{Status: registry.StatusInvalidConfig, Endpoint: endpoint, Message: "Entra ID sign-in refused the configuration before any request"}
	}
	return registry.Result{Status: registry.StatusProviderError, Endpoint: endpoint, Message: "Entra ID answered outside the protocol"}
}

// entraResponse reads {"error","error_description","error_codes"}.
func entraResponse(s *registry.Session, resp *http.Response, endpoint string) registry.Result {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	if resp.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_ = json.Unmarshal(body, &e)
	}
	r := registry.Result{Status: entraStatus(resp.StatusCode, e.Error), Endpoint: endpoint, ProviderCode: s.RedactCode(e.Error)}
	if len(e.Codes) > 0 {
		r.ProviderCode = "AADSTS" + strconv.Itoa(e.Codes[0])
	}
	desc, _, _ := strings.Cut(e.Description, "\r\n") // drop Entra's trace lines
	r.Message = "Entra ID refused the sign-in: HTTP " + http.StatusText(resp.StatusCode)
	if e.Error != "" {
		r.Message += ": " + s.RedactCode(e.Error) + ": " + s.Redact(desc)
	}
	return r
}

func entraStatus(httpStatus int, code string) registry.Status {
	switch code {
	case "invalid_client", "unauthorized_client", "invalid_tenant", "invalid_grant":
		return registry.StatusAuthFailed
	case "access_denied":
		return registry.StatusForbidden
	case "temporarily_unavailable":
		return registry.StatusProviderError
	}
	if st := registry.StatusFor(httpStatus); st != registry.StatusHealthy {
		return st
	}
	// A failed sign-in is never healthy, whatever status line came with it
	// (a 200 whose body was not a token).
	return registry.StatusProviderError
}
