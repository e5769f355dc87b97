package registry

import (
	"net/url"
	"strings"
)

// A Target is where a Checker connects: the registry URL (the target's
// own, or its provider's default; empty when the provider derives its
// endpoint from the credential) and whether plain http and unverified
// certificates are allowed. providers.Target.Validate has accepted it.
type Target struct {
	URL      string
	Insecure bool
}

// parsed returns the URL parsed, or false when there is none.
func (t Target) parsed() (*url.URL, bool) {
	u, err := url.Parse(t.URL)
	if err != nil || u.Host == "" {
		return nil, false
	}
	return u, true
}

// Origin is scheme://host[:port] of the target, "" without a URL:
// registries serve /v2/ at the root, whatever path an image reference adds.
func (t Target) Origin() string {
	u, ok := t.parsed()
	if !ok {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host
}

// Hostname is the URL's host without port, "" without a URL.
func (t Target) Hostname() string {
	u, ok := t.parsed()
	if !ok {
		return ""
	}
	return u.Hostname()
}

// Path splits the URL's path into its non-empty segments.
func (t Target) Path() []string {
	u, ok := t.parsed()
	if !ok {
		return nil
	}
	var out []string
	for _, seg := range strings.Split(u.Path, "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}
