package registry

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/credvault/credvault/internal/clip"
	"github.com/credvault/credvault/internal/safehttp"
)

// userAgent identifies credvault's checks to registries.
const userAgent = "credvault-test-connection/1"

// A Call is one request a checker sends: a logical URL, rewritten through
// the session's endpoint rewrites before dialling, its headers
// (Authorization among them, from Basic, Bearer or BasicAuth.Header), an
// optional form body, the secrets to redact from any Result, and what to
// call a refusal in the message.
type Call struct {
	Method string      // "" means GET
	URL    string      // the logical URL
	Header http.Header // sent as given
	Form   url.Values  // sent as application/x-www-form-urlencoded when non-nil
	// Secrets are values to scrub from any Result besides those the
	// session registers itself (see Session.AddSecrets).
	Secrets []string
	// What names a refusal (401 or 403) in the Message, e.g. "token
	// server refused the credentials"; "" means Who.
	What string
	// Who names the server in any other non-2xx answer (a 404 is not a
	// refusal of the credentials), e.g. "token server"; "" means
	// "registry".
	Who string
}

// A Reply is a response read in full (at most 64 KiB), so the connection
// is reused.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL // the URL that answered, after any redirects
}

// OK reports a 2xx status.
func (r Reply) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Do sends c once the address policy has passed the host actually dialled
// and returns the reply, whatever its status. A refusal by the policy
// sends nothing.
func (s *Session) Do(ctx context.Context, c Call) (Reply, error) {
	s.AddSecrets(c.Secrets...)
	u, err := url.Parse(c.URL)
	if err != nil {
		return Reply{}, fmt.Errorf("%w: cannot parse request URL", safehttp.ErrInvalidURL)
	}
	dial := s.RewriteURL(u)
	if err := s.Policy.CheckURL(ctx, dial); err != nil {
		return Reply{}, err
	}
	req, err := c.request(ctx, dial)
	if err != nil {
		return Reply{}, fmt.Errorf("%w: cannot build request", safehttp.ErrInvalidURL)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	body, err := safehttp.ReadBody(resp.Body, maxBody)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: resp.Request.URL}, nil
}

// Send performs c and returns the body of a 2xx answer, or the failure as
// a Result: the transport's status (see TransportStatus), or the answer's
// HTTP status with the provider's code and message, scrubbed (see
// Session.Redact). It is the one way a checker turns a request into
// a Result.
func (s *Session) Send(ctx context.Context, c Call) ([]byte, *Result) {
	rep, err := s.Do(ctx, c)
	if err != nil {
		r := s.errorResult(err, s.shown(c.URL))
		return nil, &r
	}
	if !rep.OK() {
		r := s.responseResult(rep.Status, rep.Body, s.shown(c.URL), c.describe(rep.Status))
		return nil, &r
	}
	return rep.Body, nil
}

// describe names who answered with the non-2xx code: What for a refusal
// (401, 403), Who otherwise.
func (c Call) describe(code int) string {
	if c.What != "" && (code == http.StatusUnauthorized || code == http.StatusForbidden) {
		return c.What
	}
	if c.Who != "" {
		return c.Who
	}
	return "registry"
}

// request builds c's request to the dial URL.
func (c Call) request(ctx context.Context, dial *url.URL) (*http.Request, error) {
	var body io.Reader
	if c.Form != nil {
		body = strings.NewReader(c.Form.Encode())
	}
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, dial.String(), body)
	if err != nil {
		return nil, err
	}
	maps.Copy(req.Header, c.Header)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if c.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// Shown is a URL as a Result shows it: without its query or fragment (a
// token request's parameters, a realm's junk) and clipped, since a
// registry's challenge may have chosen it.
func Shown(raw string) string { return shownURL(raw, func(s string) string { return s }) }

// shownURL is Shown with scrub applied to the raw URL and to the one
// shown, before it is clipped.
func shownURL(raw string, scrub func(string) string) string {
	raw = scrub(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return clip.Clip(raw, MaxProviderText)
	}
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return clip.Clip(scrub(c.String()), MaxProviderText)
}
