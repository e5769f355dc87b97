package providers

import (
	"errors"
	"net/http"
	"sync"
)

// An ErrorCapture counts a client's requests and remembers its last
// transport error, for adapters whose protocol library (x/oauth2, MSAL)
// flattens errors to text and so hides a TLS failure or a refusal by the
// address policy from the classifier.
type ErrorCapture struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent int
	err  error
}

// CaptureErrors wraps hc's transport (keeping its address policy, redirect
// rule and timeout) in an ErrorCapture.
func CaptureErrors(hc *http.Client) (*http.Client, *ErrorCapture) {
	c := &ErrorCapture{next: hc.Transport}
	return &http.Client{Transport: c, CheckRedirect: hc.CheckRedirect, Timeout: hc.Timeout, Jar: hc.Jar}, c
}

// RoundTrip implements http.RoundTripper.
func (c *ErrorCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent++
	if err != nil {
		// net/http reports its own timeout to the transport as a plain
		// "request canceled"; the request's context says why.
		c.err = errors.Join(err, r.Context().Err())
	}
	return resp, err
}

// Last reports the requests attempted and the last transport error.
func (c *ErrorCapture) Last() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent, c.err
}
