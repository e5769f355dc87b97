package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/credvault/credvault/internal/safehttp"
)

// userAgent identifies credvault's checks to registries.
const userAgent = "credvault-test-connection/1"

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
// registry answered and wants credentials.
type V2Check struct {
	// Endpoint is the v2 base URL, ending in "/v2/".
	Endpoint string
	// Login is presented to the token realm or as Basic; nil checks
	// reachability only.
	Login *BasicAuth
	// Realm, when set, is the only token realm accepted (providers whose
	// realm is fixed, such as https://auth.docker.io/token). It is
	// compared before Options.Endpoints rewriting.
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

// reply is a response read in full (capped), so the connection is reused.
type reply struct {
	status int
	header http.Header
	body   []byte
	url    *url.URL // the URL that answered, after any redirects
}

func (r reply) ok() bool { return r.status >= 200 && r.status < 300 }

// get sends one GET to rawURL with the given extra headers and reads the
// reply. Authorization headers are set by the callers through hdr.
func (s *Session) get(ctx context.Context, rawURL string, hdr http.Header) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return reply{}, fmt.Errorf("%w: cannot build request", safehttp.ErrInvalidURL)
	}
	maps.Copy(req.Header, hdr)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, err := safehttp.ReadBody(resp.Body, maxErrorBody)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body, url: resp.Request.URL}, nil
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

// basicHeader is the Authorization header for a login. It is the one place
// a registry password is revealed.
func basicHeader(l *BasicAuth) http.Header {
	req := http.Request{Header: http.Header{}}
	req.SetBasicAuth(l.Username, l.Password.Reveal())
	return req.Header
}

func bearerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// CheckV2 runs the check v describes (see [V2Check]).
func (s *Session) CheckV2(ctx context.Context, v V2Check) Result {
	endpoint := s.Rewrite(v.Endpoint)
	rep, err := s.get(ctx, endpoint, nil)
	if err != nil {
		return ErrorResult(err, endpoint)
	}
	anonForbidden := rep.status == http.StatusForbidden && v.AnonymousForbidden
	switch {
	case v.Login != nil && !rep.ok() && !sameOrigin(endpoint, rep.url):
		// The challenge, and so the realm the login would go to, came
		// from a host the target does not name.
		return Result{Status: StatusProviderError, Endpoint: endpoint,
			Message: "registry redirected /v2/ to another host; the credentials were not sent"}
	case rep.ok():
		return openRegistry(endpoint, v.Login != nil)
	case v.Login == nil && (rep.status == http.StatusUnauthorized || anonForbidden):
		return reachableOnly(endpoint, rep.status)
	case anonForbidden && v.Realm != "":
		return s.bearerFlow(ctx, v, endpoint, pinnedChallenge(v, rep))
	case rep.status != http.StatusUnauthorized:
		return ResponseResult(rep.status, rep.body, endpoint, "registry")
	}
	cs := ParseChallenges(strings.Join(rep.header.Values("Www-Authenticate"), ", "))
	if c, ok := FindChallenge(cs, "bearer"); ok {
		return s.bearerFlow(ctx, v, endpoint, c)
	}
	if _, ok := FindChallenge(cs, "basic"); ok {
		return s.retry(ctx, endpoint, basicHeader(v.Login))
	}
	return Result{Status: StatusProviderError, Endpoint: endpoint,
		Message: "registry answered 401 without a Basic or Bearer challenge"}
}

func openRegistry(endpoint string, withLogin bool) Result {
	msg := "registry reachable and open to anonymous requests; no credentials were given"
	if withLogin {
		msg = "registry reachable and open to anonymous requests; the credentials were not exercised"
	}
	return Result{Status: StatusHealthy, Endpoint: endpoint, Message: msg}
}

// pinnedChallenge is the Bearer challenge a 403 to the anonymous probe
// stands for: the one it carries, if any, else v.Realm with the registry's
// host as the service (GHCR's service is "ghcr.io"). bearerFlow still
// refuses any realm but v.Realm.
func pinnedChallenge(v V2Check, rep reply) Challenge {
	cs := ParseChallenges(strings.Join(rep.header.Values("Www-Authenticate"), ", "))
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

// retry sends the authenticated request to the registry endpoint.
func (s *Session) retry(ctx context.Context, endpoint string, hdr http.Header) Result {
	rep, err := s.get(ctx, endpoint, hdr)
	if err != nil {
		return ErrorResult(err, endpoint)
	}
	if !rep.ok() {
		return ResponseResult(rep.status, rep.body, endpoint, "registry refused the credentials")
	}
	return Result{Status: StatusHealthy, Endpoint: endpoint, Authenticated: true,
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
	token, r := s.fetchToken(ctx, realm.String(), basicHeader(v.Login), shownRealm(realm))
	if token == "" {
		return r
	}
	return redactResult(s.retry(ctx, endpoint, bearerHeader(token)), token)
}

// redactResult removes secrets (a bearer token only this flow knows, which
// the final scrub in TestConnection cannot) from r's provider-sent text: a
// hostile registry may echo the token it received.
func redactResult(r Result, secrets ...string) Result {
	r.Message = Redact(r.Message, secrets...)
	r.ProviderCode = Redact(r.ProviderCode, secrets...)
	r.Endpoint = Redact(r.Endpoint, secrets...)
	return r
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
		r := ErrorResult(err, shownRealm(u))
		r.Message = "token realm " + r.Message
		return nil, r
	}
	return u, Result{}
}

// tokenReply is a token server's answer; at least one field is set.
type tokenReply struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
}

// fetchToken asks a token endpoint for a token. On failure it returns ""
// and the Result to report; the token itself never enters a Result.
func (s *Session) fetchToken(ctx context.Context, rawURL string, hdr http.Header, shown string) (string, Result) {
	rep, err := s.get(ctx, rawURL, hdr)
	if err != nil {
		return "", ErrorResult(err, shown)
	}
	if !rep.ok() {
		return "", ResponseResult(rep.status, rep.body, shown, "token server refused the credentials")
	}
	var tr tokenReply
	if json.Unmarshal(rep.body, &tr) != nil {
		return "", Result{Status: StatusProviderError, Endpoint: shown, Message: "token server sent a malformed reply"}
	}
	if tr.Token == "" {
		tr.Token = tr.AccessToken
	}
	if tr.Token == "" || strings.ContainsAny(tr.Token, "\r\n") {
		return "", Result{Status: StatusProviderError, Endpoint: shown, Message: "token server sent no token"}
	}
	return tr.Token, Result{}
}

func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return c.String()
}

// shownRealm is a token realm as a Result shows it: without its query and
// clipped, since the registry's challenge chose it.
func shownRealm(u *url.URL) string {
	return Clip(stripQuery(u), MaxProviderText)
}

// Origin returns the origin (scheme://host[:port]) that Options.Endpoints
// rewrites the fixed provider origin o to (a mirror or a test emulator),
// or o itself. Adapters call it for every fixed host they contact.
func (s *Session) Origin(o string) string {
	if r, ok := s.Options.Endpoints[o]; ok {
		return strings.TrimSuffix(r, "/")
	}
	return o
}

// RewriteURL applies Options.Endpoints to u's origin, returning a copy
// with the scheme and host replaced, or u itself when no rewrite applies.
func (s *Session) RewriteURL(u *url.URL) *url.URL {
	v, ok := s.Options.Endpoints[strings.ToLower(u.Scheme+"://"+u.Host)]
	if !ok {
		return u
	}
	to, err := url.Parse(v)
	if err != nil {
		return u
	}
	out := *u
	out.Scheme, out.Host = to.Scheme, to.Host
	return &out
}

// Rewrite applies Options.Endpoints to a full URL: a URL whose origin is
// a key comes back with that origin replaced, any other unchanged.
func (s *Session) Rewrite(raw string) string {
	if len(s.Options.Endpoints) == 0 {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	if r, ok := s.Options.Endpoints[o]; ok && len(raw) >= len(o) {
		return strings.TrimSuffix(r, "/") + raw[len(o):]
	}
	return raw
}
