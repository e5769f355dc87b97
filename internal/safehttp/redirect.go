package safehttp

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// MaxRedirects is the most redirect hops a client follows.
const MaxRedirects = 5

// crossOriginHeaders are the only request headers kept once a redirect
// leaves the first host:port. Everything else goes: not only Authorization
// and Cookie but any header a caller may have put a credential in (an
// X-Api-Key, a private token header), which net/http would copy to every
// hop.
var crossOriginHeaders = map[string]bool{"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "User-Agent": true}

// redirectChecker returns the client's CheckRedirect: hop limit, no
// downgrade, the address guard applied eagerly, no request body replayed
// to another host, and every header but a few harmless ones dropped on any
// cross-host hop.
func redirectChecker(p Policy) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, MaxRedirects)
		}
		if err := checkURLShape(req.URL); err != nil {
			return err
		}
		if req.URL.Scheme == "http" && anyHTTPS(via) {
			return ErrInsecureRedirect
		}
		if err := p.CheckURL(req.Context(), req.URL); err != nil {
			return err
		}
		if !leftOrigin(req, via) {
			return nil
		}
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			// A 307/308 replays the body, which may hold a client secret or
			// a token (OAuth token requests): never to another host.
			return fmt.Errorf("%w: %s body would be replayed to another host", ErrInsecureRedirect, req.Method)
		}
		for h := range req.Header {
			if !crossOriginHeaders[h] {
				req.Header.Del(h)
			}
		}
		return nil
	}
}

func anyHTTPS(via []*http.Request) bool {
	for _, r := range via {
		if r.URL.Scheme == "https" {
			return true
		}
	}
	return false
}

// leftOrigin reports whether req or any earlier hop is on a host:port other
// than the first request's. net/http copies the first request's headers to
// every hop, so once the chain has left the origin the headers stay
// dropped even if it comes back: the way back was chosen by another host.
func leftOrigin(req *http.Request, via []*http.Request) bool {
	origin := hostPort(via[0].URL)
	if hostPort(req.URL) != origin {
		return true
	}
	for _, r := range via[1:] {
		if hostPort(r.URL) != origin {
			return true
		}
	}
	return false
}

// hostPort is the lower-cased host with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
