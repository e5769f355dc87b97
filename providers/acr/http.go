package acr

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

// call is one request of the flow: a logical URL (rewritten through
// Options.Endpoints before dialling), an optional form body, an
// Authorization value, and the secrets to scrub from any message.
type call struct {
	method, url string
	form        url.Values
	auth        string
	secrets     []string
}

// send performs c after the address policy has passed the host actually
// dialled, returning the body of a 2xx answer or the failure as a Result.
func send(ctx context.Context, s *providers.Session, c call) ([]byte, *providers.Result) {
	fail := func(st providers.Status, code, msg string) *providers.Result {
		return &providers.Result{Status: st, Endpoint: c.url, ProviderCode: code, Authenticated: true, Message: msg}
	}
	u, err := url.Parse(c.url)
	if err != nil {
		return nil, fail(providers.StatusInvalidConfig, "", "registry URL")
	}
	dial := s.RewriteURL(u)
	if err := s.Policy.CheckURL(ctx, dial); err != nil {
		st, reason := providers.TransportStatus(err)
		return nil, fail(st, "", "registry "+reason)
	}
	req, err := newRequest(ctx, c, dial)
	if err != nil {
		return nil, fail(providers.StatusInvalidConfig, "", "registry URL")
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		st, reason := providers.TransportStatus(err)
		return nil, fail(st, "", "registry: "+reason)
	}
	defer resp.Body.Close()
	body, err := safehttp.ReadBody(resp.Body, 64<<10)
	switch {
	case resp.StatusCode/100 == 2 && err == nil:
		return body, nil
	case resp.StatusCode/100 == 2:
		return nil, fail(providers.StatusProviderError, "", "registry response body unreadable or too large")
	}
	code, msg := providers.ParseErrorBody(body)
	text := path(u) + " answered HTTP " + http.StatusText(resp.StatusCode)
	if code != "" {
		text += ": " + code + ": " + providers.Redact(msg, c.secrets...)
	}
	return nil, fail(providers.StatusFor(resp.StatusCode), code, text)
}

func path(u *url.URL) string { return u.Path }

func newRequest(ctx context.Context, c call, dial *url.URL) (*http.Request, error) {
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, c.method, dial.String(), body)
	if err != nil {
		return nil, err
	}
	if c.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	return req, nil
}

// errNoToken: a token response without the expected field.
var errNoToken = errors.New("no token in the response")

// tokenField reads field from a JSON token response.
func tokenField(body []byte, field string) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return "", errNoToken
	}
	v, _ := m[field].(string)
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return "", errNoToken
	}
	return v, nil
}
