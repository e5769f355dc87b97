package providers

import (
	"net/url"
	"strings"
)

// targetURL returns the target's URL, or its provider's default, parsed.
// Validate has accepted it already, so a parse failure cannot happen; it
// is still handled.
func targetURL(t Target) (*url.URL, bool) {
	raw := t.URL
	if raw == "" {
		info, _ := Lookup(t.Provider)
		raw = info.DefaultURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, false
	}
	return u, true
}

// registryOrigin is scheme://host[:port] of the target: registries serve
// /v2/ at the root, whatever path an image reference adds.
func registryOrigin(t Target) string {
	u, ok := targetURL(t)
	if !ok {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host
}

// pathSegments splits the target URL's path into its non-empty segments.
func pathSegments(t Target) []string {
	u, ok := targetURL(t)
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

func invalidConfig(msg string) Result {
	return Result{Status: StatusInvalidConfig, Message: msg}
}
