package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// A V2Check describes one registry API v2 check (distribution's token
// authentication specification):
//
//  1. GET Endpoint without credentials;
//  2. on a Bearer challenge, GET <realm>?service=<service> with the login
//     as Basic and read `token` (or `access_token`) from the reply, then
//     GET Endpoint with that token as Bearer: three round trips;
//  3. on a Basic challenge, GET Endpoint with the login as Basic: two.
//
// Without a Login only reachability and TLS are proved: a 200, or a 401
// carrying a challenge, is healthy with Result.Authenticated false. A 401
// is then not auth_failed, since no credential was refused; it shows a
// registry answered and wants credentials. With a Login, a 200 to the
// anonymous request is StatusUnverified: the registry is open, so the
// login cannot be proved there.
type V2Check struct {
	// Endpoint is the v2 base URL, ending in "/v2/".
	Endpoint string
	// Login is presented to the token realm or as Basic; nil checks
	// reachability only.
	Login *BasicAuth
	// Realm, when set, is the only token realm accepted (providers whose
	// realm is fixed, such as https://auth.docker.io/token). It is
	// compared before endpoint rewriting.
	Realm string
	// TokenParams are extra query parameters for the token request
	// (GitLab's account, client_id and offline_token).
	TokenParams url.Values
	// AnonymousForbidden counts a 403 to an anonymous request as
	// reachable (GHCR answers 401 or 403 to anonymous /v2/). With a Login
	// and a pinned Realm, such a 403 leads to the token exchange at Realm
	// as a Bearer challenge would.
	AnonymousForbidden bool
}

// sameOrigin reports whether answered (the URL a reply came from) has the
// scheme, host and port of rawURL, or is the same host upgraded from
// http to https.
func sameOrigin(rawURL string, answered *url.URL) bool {
	u, err := url.Parse(rawURL)
	if err != nil || answered == nil {
		return false
	}
	if strings.EqualFold(u.Scheme, answered.Scheme) && strings.EqualFold(u.Host, answered.Host) {
		return true
	}
	return u.Scheme == "http" && answered.Scheme == "https" && strings.EqualFold(u.Hostname(), answered.Hostname())
}

// CheckV2 runs the check v describes (see [V2Check]).
func (s *Session) CheckV2(ctx context.Context, v V2Check) Result {
	endpoint := s.Rewrite(v.Endpoint)
	rep, err := s.Do(ctx, Call{URL: endpoint})
	if err != nil {
		return s.errorResult(err, endpoint)
	}
	anonForbidden := rep.Status == http.StatusForbidden && v.AnonymousForbidden
	switch {
	case v.Login != nil && !rep.OK() && !sameOrigin(endpoint, rep.URL):
		// The challenge, and so the realm the login would go to, came
		// from a host the target does not name.
		return Result{Status: StatusProviderError, Endpoint: endpoint,
			Message: "registry redirected /v2/ to another host; the credentials were not sent"}
	case rep.OK():
		return openRegistry(endpoint, v.Login != nil)
	case v.Login == nil && (rep.Status == http.StatusUnauthorized || anonForbidden):
		return reachableOnly(endpoint, rep.Status)
	case anonForbidden && v.Realm != "":
		return s.bearerFlow(ctx, v, endpoint, pinnedChallenge(v, rep))
	case rep.Status != http.StatusUnauthorized:
		return s.responseResult(rep.Status, rep.Body, endpoint, "registry")
	}
	cs := ParseChallenges(strings.Join(rep.Header.Values("Www-Authenticate"), ", "))
	if c, ok := FindChallenge(cs, "bearer"); ok {
		return s.bearerFlow(ctx, v, endpoint, c)
	}
	if _, ok := FindChallenge(cs, "basic"); ok {
		return s.authenticated(ctx, Call{URL: endpoint, Header: v.Login.Header()})
	}
	return Result{Status: StatusProviderError, Endpoint: endpoint,
		Message: "registry answered 401 without a Basic or Bearer challenge"}
}

// openRegistry is the Result for a /v2/ that answered an anonymous
// request with 2xx: healthy for an anonymous check, but unverified when
// credentials were given, since any credential would have passed.
func openRegistry(endpoint string, withLogin bool) Result {
	if withLogin {
		return Result{Status: StatusUnverified, Endpoint: endpoint, Message: "registry is open to anonymous requests, " +
			"so the credentials were not verified (any credential would pass); check a private repository's access instead"}
	}
	return Result{Status: StatusHealthy, Endpoint: endpoint,
		Message: "registry reachable and open to anonymous requests; no credentials were given"}
}

// pinnedChallenge is the Bearer challenge a 403 to the anonymous probe
// stands for: the one it carries, if any, else v.Realm with the registry's
// host as the service (GHCR's service is "ghcr.io"). bearerFlow still
// refuses any realm but v.Realm.
func pinnedChallenge(v V2Check, rep Reply) Challenge {
	cs := ParseChallenges(strings.Join(rep.Header.Values("Www-Authenticate"), ", "))
	if c, ok := FindChallenge(cs, "bearer"); ok {
		return c
	}
	c := Challenge{Scheme: "bearer", Params: map[string]string{"realm": v.Realm}}
	if u, err := url.Parse(v.Endpoint); err == nil && u.Host != "" {
		c.Params["service"] = u.Host
	}
	return c
}

func reachableOnly(endpoint string, status int) Result {
	return Result{Status: StatusHealthy, Endpoint: endpoint, Message: fmt.Sprintf(
		"registry reachable (HTTP %d asks for credentials); no credentials given, so only reachability and TLS were checked", status)}
}

// authenticated sends the authenticated request c to the registry
// endpoint: healthy and Authenticated on a 2xx answer.
func (s *Session) authenticated(ctx context.Context, c Call) Result {
	c.What = "registry refused the credentials"
	if _, r := s.Send(ctx, c); r != nil {
		return *r
	}
	return Result{Status: StatusHealthy, Endpoint: s.shown(c.URL), Authenticated: true,
		Message: "authenticated to the registry"}
}

func (s *Session) bearerFlow(ctx context.Context, v V2Check, endpoint string, c Challenge) Result {
	realm, r := s.realmURL(ctx, endpoint, c.Params["realm"], v.Realm)
	if realm == nil {
		return r
	}
	q := realm.Query()
	if svc := c.Params["service"]; svc != "" {
		q.Set("service", svc)
	}
	for k, vs := range v.TokenParams {
		q[k] = vs
	}
	realm.RawQuery = q.Encode()
	token, r := s.FetchToken(ctx, realm.String(), v.Login)
	if token == "" {
		return r
	}
	return s.authenticated(ctx, Call{URL: endpoint, Header: Bearer(token)})
}

// realmURL checks a challenge's realm before any request is sent to it:
// an absolute http(s) URL, the pinned realm when there is one, no
// downgrade from an https registry, and the address policy. On refusal it
// returns nil and the Result to report.
func (s *Session) realmURL(ctx context.Context, endpoint, raw, pinned string) (*url.URL, Result) {
	fail := func(st Status, msg string) (*url.URL, Result) {
		return nil, Result{Status: st, Endpoint: endpoint, Message: msg}
	}
	if pinned != "" && raw != pinned {
		return fail(StatusProviderError, "token realm is not the provider's ("+pinned+")")
	}
	u, err := url.Parse(s.Rewrite(raw))
	if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fail(StatusProviderError, "token realm is not an absolute http(s) URL")
	}
	if strings.HasPrefix(endpoint, "https://") && u.Scheme == "http" {
		return fail(StatusProviderError, "refused: an https registry named a plain http token realm (downgrade)")
	}
	if err := s.Policy.CheckURL(ctx, u); err != nil {
		r := s.errorResult(err, s.shown(u.String()))
		r.Message = "token realm " + r.Message
		return nil, r
	}
	return u, Result{}
}

// FetchToken asks the token endpoint rawURL for a token with login as
// Basic, reading `token` or `access_token` from the reply. On failure it
// returns "" and the Result to report; the token itself never enters a
// Result.
func (s *Session) FetchToken(ctx context.Context, rawURL string, login *BasicAuth) (string, Result) {
	body, r := s.Send(ctx, Call{URL: rawURL, Header: login.Header(), Who: "token server", What: "token server refused the credentials"})
	if r != nil {
		return "", *r
	}
	token, ok := TokenField(body, "token", "access_token")
	if !ok {
		return "", Result{Status: StatusProviderError, Endpoint: s.shown(rawURL), Message: "token server sent no token"}
	}
	return token, Result{}
}
