package providers

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/credvault/credvault/internal/safehttp"
)

// A Call is one request an adapter sends outside the v2 challenge flow
// (an ACR token exchange, a GAR registry token): a logical URL, rewritten
// through Options.Endpoints before dialling, an optional form body, an
// Authorization value, and the secrets to scrub from any message.
type Call struct {
	Method  string
	URL     string
	Form    url.Values // sent as application/x-www-form-urlencoded when non-nil
	Auth    string     // the Authorization header; "" sends none
	Secrets []string
}

// Send performs c once the address policy has passed the host actually
// dialled, and returns the body of a 2xx answer (at most 64 KiB) or the
// failure as a Result: the transport's status, or the answer's HTTP
// status with the provider's error code and its message, redacted.
func (s *Session) Send(ctx context.Context, c Call) ([]byte, *Result) {
	fail := func(st Status, code, msg string) *Result {
		return &Result{Status: st, Endpoint: c.URL, ProviderCode: code, Authenticated: true, Message: msg}
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fail(StatusInvalidConfig, "", "registry URL")
	}
	dial := s.RewriteURL(u)
	if err := s.Policy.CheckURL(ctx, dial); err != nil {
		st, reason := TransportStatus(err)
		return nil, fail(st, "", "registry "+reason)
	}
	req, err := c.request(ctx, dial)
	if err != nil {
		return nil, fail(StatusInvalidConfig, "", "registry URL")
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		st, reason := TransportStatus(err)
		return nil, fail(st, "", "registry: "+reason)
	}
	defer resp.Body.Close()
	body, err := safehttp.ReadBody(resp.Body, 64<<10)
	switch {
	case resp.StatusCode/100 == 2 && err == nil:
		return body, nil
	case resp.StatusCode/100 == 2:
		return nil, fail(StatusProviderError, "", "registry response body unreadable or too large")
	}
	code, msg := ParseErrorBody(body)
	code = Redact(code, c.Secrets...) // a registry may echo a token as its code
	text := u.Path + " answered HTTP " + http.StatusText(resp.StatusCode)
	if code != "" {
		text += ": " + code + ": " + Redact(msg, c.Secrets...)
	}
	return nil, fail(StatusFor(resp.StatusCode), code, text)
}

// request builds c's request to the dial URL.
func (c Call) request(ctx context.Context, dial *url.URL) (*http.Request, error) {
	var body io.Reader
	if c.Form != nil {
		body = strings.NewReader(c.Form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, dial.String(), body)
	if err != nil {
		return nil, err
	}
	if c.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.Auth != "" {
		req.Header.Set("Authorization", c.Auth)
	}
	return req, nil
}
