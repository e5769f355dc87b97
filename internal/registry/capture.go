package registry

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
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
		c.err = errors.Join(err, contextErr(r.Context()))
	}
	return resp, err
}

// contextErr is ctx.Err(), or DeadlineExceeded once ctx's deadline has
// passed even if its timer has not fired yet: http.Client enforces its
// Timeout on a wrapped transport through Request.Cancel, on its own timer,
// so the transport can fail before the context reports anything.
func contextErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// Last reports the requests attempted and the last transport error.
func (c *ErrorCapture) Last() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent, c.err
}
