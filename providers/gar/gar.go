package gar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
)

func init() { providers.Register(providers.GoogleGAR, check) }

// Scope is the OAuth scope requested for the access token.
const Scope = "https://www.googleapis.com/auth/cloud-platform"

// registryUser is the Basic user name that carries an OAuth access token.
const registryUser = "oauth2accesstoken"

// check is the GOOGLE_GAR Checker; TestConnection fills in latency and round trips.
func check(ctx context.Context, s *providers.Session, t providers.Target, c credentials.Credential) providers.Result {
	key, ok := asGAR(c)
	if !ok {
		return invalid("GOOGLE_GAR needs a GoogleGar credential (service-account key)")
	}
	reg, err := registryURL(t)
	if err != nil {
		return invalid("the URL is not an Artifact Registry host")
	}
	token, endpoint, r := grant(ctx, s, key)
	if r != nil {
		return *r
	}
	if reg == nil {
		return providers.Result{Status: providers.StatusHealthy, Endpoint: endpoint, Authenticated: true,
			Message: "only the service-account key was tested (JWT grant succeeded); " +
				"the target has no registry URL, so registry access is unchecked"}
	}
	return ping(ctx, s, reg, token)
}

func invalid(msg string) providers.Result {
	return providers.Result{Status: providers.StatusInvalidConfig, Message: msg}
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
func registryURL(t providers.Target) (*url.URL, error) {
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
// policy. It returns the access token and the token endpoint; a non-nil
// Result reports a failure.
func grant(ctx context.Context, s *providers.Session, key []byte) (string, string, *providers.Result) {
	info, tokenURL, err := parseKey(key)
	if err != nil {
		return "", "", &providers.Result{Status: providers.StatusInvalidConfig, Message: "service-account key: " + err.Error()}
	}
	endpoint := tokenURL.String()
	if err := s.Policy.CheckURL(ctx, tokenURL); err != nil {
		st, reason := providers.TransportStatus(err)
		return "", endpoint, &providers.Result{Status: st, Endpoint: endpoint, Message: "token_uri " + reason}
	}
	client, capture := providers.CaptureErrors(s.Client)
	// JWTConfigFromJSON reads the key as a service-account key and nothing
	// else: CredentialsFromJSON tries an OAuth client file ("installed",
	// "web") first, whose interactive flow would have no handler here.
	conf, err := google.JWTConfigFromJSON(key, Scope)
	if err != nil {
		return "", endpoint, &providers.Result{Status: providers.StatusInvalidConfig, Endpoint: endpoint, Message: "service-account key does not load"}
	}
	tok, err := conf.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, client)).Token()
	if err != nil {
		sent, transportErr := capture.Last()
		if sent == 0 {
			return "", endpoint, &providers.Result{Status: providers.StatusInvalidConfig, Endpoint: endpoint,
				Message: "service-account key: private_key cannot sign the assertion"}
		}
		r := grantFailure(err, transportErr, endpoint, info.ClientEmail, key)
		return "", endpoint, &r
	}
	if tok.AccessToken == "" {
		return "", endpoint, &providers.Result{Status: providers.StatusProviderError, Endpoint: endpoint, Message: "token endpoint returned no access_token"}
	}
	return tok.AccessToken, endpoint, nil
}

// grantFailure maps a failed grant: an OAuth error response, or the
// transport error the capture saw (x/oauth2's jwt flow flattens it to
// text).
func grantFailure(err, transport error, endpoint, email string, key []byte) providers.Result {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code, desc := oauthError(re.Body)
		st := oauthStatus(re.Response.StatusCode, code)
		msg := "token endpoint refused the grant for " + email + ": HTTP " + http.StatusText(re.Response.StatusCode)
		if code != "" {
			msg += ": " + code
		}
		if desc != "" {
			msg += ": " + providers.Redact(desc, string(key))
		}
		return providers.Result{Status: st, Endpoint: endpoint, ProviderCode: code, Message: msg}
	}
	if transport != nil {
		st, reason := providers.TransportStatus(transport)
		return providers.Result{Status: st, Endpoint: endpoint, Message: "token endpoint: " + reason}
	}
	return providers.Result{Status: providers.StatusProviderError, Endpoint: endpoint, Message: "token endpoint answered outside the OAuth protocol"}
}

func oauthError(body []byte) (code, desc string) {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return providers.Clip(e.Error, 64), e.Description
}

// oauthStatus maps a token endpoint failure (RFC 6749 §5.2 codes).
func oauthStatus(httpStatus int, code string) providers.Status {
	switch code {
	case "invalid_grant", "invalid_client", "unauthorized_client":
		return providers.StatusAuthFailed
	case "access_denied":
		return providers.StatusForbidden
	case "invalid_scope", "unsupported_grant_type", "invalid_request":
		return providers.StatusProviderError
	}
	return providers.StatusFor(httpStatus)
}

// ping exchanges the access token at the registry's realm (Basic
// oauth2accesstoken:<token>) for a registry token and sends GET /v2/ with
// it.
func ping(ctx context.Context, s *providers.Session, reg *url.URL, access string) providers.Result {
	realm := reg.String() + "/v2/token"
	body, r := s.Send(ctx, providers.Call{Method: http.MethodGet, URL: realm,
		Auth: "Basic " + basic(registryUser, access), Secrets: []string{access}})
	if r != nil {
		return *r
	}
	regToken, err := registryToken(body)
	if err != nil {
		return providers.Result{Status: providers.StatusProviderError, Endpoint: realm, Authenticated: true,
			Message: "token realm answered without a token"}
	}
	ping := reg.String() + "/v2/"
	if _, r := s.Send(ctx, providers.Call{Method: http.MethodGet, URL: ping, Auth: "Bearer " + regToken,
		Secrets: []string{access, regToken}}); r != nil {
		return *r
	}
	return providers.Result{Status: providers.StatusHealthy, Endpoint: ping, Authenticated: true,
		Message: "JWT grant succeeded and " + reg.Host + " accepted the token"}
}

func registryToken(body []byte) (string, error) {
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return "", err
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	if t.Token == "" || strings.ContainsAny(t.Token, "\r\n") {
		return "", errors.New("no token")
	}
	return t.Token, nil
}

func basic(user, pass string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
