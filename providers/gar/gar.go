package gar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/providers"
)

func init() {
	registry.Register(string(providers.GoogleGAR), check)
	registry.RegisterExchange(string(providers.GoogleGAR), exchange)
}

// Scope is the OAuth scope requested for the access token.
const Scope = "https://www.googleapis.com/auth/cloud-platform"

// registryUser is the Basic user name that carries an OAuth access token.
const registryUser = "oauth2accesstoken"

// check is the GOOGLE_GAR Checker; TestConnection fills in latency and round trips.
func check(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	key, ok := asGAR(c)
	if !ok {
		return registry.Invalid("GOOGLE_GAR needs a GoogleGar credential (service-account key)")
	}
	reg, err := registryURL(t)
	if err != nil {
		return registry.Invalid("the URL is not an Artifact Registry host")
	}
	token, endpoint, r := grant(ctx, s, key)
	if r != nil {
		return *r
	}
	if reg == nil {
		return registry.Result{Status: registry.StatusHealthy, Endpoint: endpoint, Authenticated: true, IdentityOnly: true,
			Message: "only the service-account key was tested (JWT grant succeeded); " +
				"the target has no registry URL, so registry access is unchecked"}
	}
	return ping(ctx, s, reg, token.AccessToken)
}

// exchange is the GOOGLE_GAR Exchanger: the JWT grant (one round trip)
// for user "oauth2accesstoken" and the access token, expiring when the
// token endpoint said.
func exchange(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) (registry.Grant, *registry.Result) {
	key, ok := asGAR(c)
	if !ok {
		r := registry.Invalid("GOOGLE_GAR needs a GoogleGar credential (service-account key)")
		return registry.Grant{}, &r
	}
	if _, err := registryURL(t); err != nil {
		r := registry.Invalid("the URL is not an Artifact Registry host")
		return registry.Grant{}, &r
	}
	token, _, r := grant(ctx, s, key)
	if r != nil {
		return registry.Grant{}, r
	}
	return registry.Grant{Username: registryUser, Password: credentials.NewSecret(token.AccessToken), Expires: token.Expiry}, nil
}

func asGAR(c credentials.Credential) ([]byte, bool) {
	switch v := c.(type) {
	case credentials.GoogleGar:
		return []byte(v.ServiceAccountKey.Reveal()), true
	case *credentials.GoogleGar:
		if v != nil {
			return []byte(v.ServiceAccountKey.Reveal()), true
		}
	}
	return nil, false
}

// registryURL is the target's origin, nil without a URL. The host was
// checked against the GAR host shapes by Target.Validate; here only the
// origin is kept.
func registryURL(t registry.Target) (*url.URL, error) {
	if t.URL == "" {
		return nil, nil
	}
	u, err := url.Parse(t.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && t.Insecure)) {
		return nil, errors.New("bad url")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// grant runs the JWT bearer grant through x/oauth2/google with the
// session's client, after the key's token_uri has passed the address
// policy. It returns the token (access token and expiry) and the token
// endpoint; a non-nil Result reports a failure.
func grant(ctx context.Context, s *registry.Session, key []byte) (*oauth2.Token, string, *registry.Result) {
	info, tokenURL, err := parseKey(key)
	if err != nil {
		return nil, "", &registry.Result{Status: registry.StatusInvalidConfig, Message: "service-account key: " + err.Error()}
	}
	s.AddSecrets(info.PrivateKeyID, info.PrivateKey) // the assertion names the key ID
	endpoint := tokenURL.String()
	if err := s.Policy.CheckURL(ctx, tokenURL); err != nil {
		st, reason := s.TransportStatus(err)
		return nil, endpoint, &registry.Result{Status: st, Endpoint: endpoint, Message: "token_uri " + reason}
	}
	client, capture := registry.CaptureErrors(s.Client)
	// JWTConfigFromJSON reads the key as a service-account key and nothing
	// else: CredentialsFromJSON tries an OAuth client file ("installed",
	// "web") first, whose interactive flow would have no handler here.
	conf, err := google.JWTConfigFromJSON(key, Scope)
	if err != nil {
		return nil, endpoint, &registry.Result{Status: registry.StatusInvalidConfig, Endpoint: endpoint, Message: "service-account key does not load"}
	}
	tok, err := conf.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, client)).Token()
	if err != nil {
		sent, transportErr := capture.Last()
		if transportErr == nil {
			transportErr = s.RedirectRefusal() // x/oauth2 flattens a refused redirect to text
		}
		if sent == 0 {
			return nil, endpoint, &registry.Result{Status: registry.StatusInvalidConfig, Endpoint: endpoint,
				Message: "service-account key: private_key cannot sign the assertion"}
		}
		r := grantFailure(s, err, transportErr, endpoint, info.ClientEmail)
		return nil, endpoint, &r
	}
	if tok.AccessToken == "" {
		return nil, endpoint, &registry.Result{Status: registry.StatusProviderError, Endpoint: endpoint, Message: "token endpoint returned no access_token"}
	}
	return tok, endpoint, nil
}

// grantFailure maps a failed grant: an OAuth error response, or the
// transport error the capture saw (x/oauth2's jwt flow flattens it to
// text).
func grantFailure(s *registry.Session, err, transport error, endpoint, email string) registry.Result {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code, desc := oauthError(re.Body)
		code = s.RedactCode(code)
		st := oauthStatus(re.Response.StatusCode, code)
		msg := "token endpoint refused the grant for " + email + ": HTTP " + http.StatusText(re.Response.StatusCode)
		if code != "" {
			msg += ": " + code
		}
		if desc != "" {
			msg += ": " + s.Redact(desc)
		}
		return registry.Result{Status: st, Endpoint: endpoint, ProviderCode: code, Message: msg}
	}
	if transport != nil {
		st, reason := s.TransportStatus(transport)
		return registry.Result{Status: st, Endpoint: endpoint, Message: "token endpoint: " + reason}
	}
	return registry.Result{Status: registry.StatusProviderError, Endpoint: endpoint, Message: "token endpoint answered outside the OAuth protocol"}
}

func oauthError(body []byte) (code, desc string) {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Error, e.Description
}

// oauthStatus maps a token endpoint failure (RFC 6749 §5.2 codes).
func oauthStatus(httpStatus int, code string) registry.Status {
	switch code {
	case "invalid_grant", "invalid_client", "unauthorized_client":
		return registry.StatusAuthFailed
	case "access_denied":
		return registry.StatusForbidden
	case "invalid_scope", "unsupported_grant_type", "invalid_request":
		return registry.StatusProviderError
	}
	return registry.StatusFor(httpStatus)
}

// ping exchanges the access token at the registry's realm (Basic
// oauth2accesstoken:<token>) for a registry token and sends GET /v2/ with
// it.
func ping(ctx context.Context, s *registry.Session, reg *url.URL, access string) registry.Result {
	realm := reg.String() + "/v2/token"
	body, r := s.Send(ctx, registry.Call{URL: realm, Header: registry.Basic(registryUser, access), Secrets: []string{access},
		Who: "token realm", What: "token realm refused the access token"})
	if r != nil {
		return *r
	}
	regToken, ok := registry.TokenField(body, "token", "access_token")
	if !ok {
		return registry.Result{Status: registry.StatusProviderError, Endpoint: realm, Authenticated: true,
			Message: "token realm answered without a token"}
	}
	ping := reg.String() + "/v2/"
	if _, r := s.Send(ctx, registry.Call{URL: ping, Header: registry.Bearer(regToken),
		Secrets: []string{access, regToken}}); r != nil {
		return *r
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: ping, Authenticated: true,
		Message: "JWT grant succeeded and " + reg.Host + " accepted the token"}
}
