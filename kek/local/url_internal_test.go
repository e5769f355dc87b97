package local

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credvault/credvault/kek"
)

// FuzzParseURL checks that parsing a local:// URL never panics, that an
// accepted URL has an absolute directory and a valid org, and that errors
// never quote a query value.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"local:///var/lib/keys?org=acme&root_key_file=/etc/root.key",
		"local:///var/lib/keys?org=acme&root_key_env=ROOT",
		"local://host/x?org=a", "local:rel?org=a", "local:///x?org=a/../b&root_key_env=R",
		"local:///x?org=a&org=b&root_key_env=R", "local:///x?zz=secretvalue",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		cfg, err := parseURL(u)
		if err == nil && (!filepath.IsAbs(cfg.dir) || kek.ValidateOrg(cfg.org) != nil) {
			t.Fatalf("accepted %+v", cfg)
		}
		// The same URL with every query value replaced by a canary.
		if _, err := parseURL(withCanaryValues(u)); err != nil && strings.Contains(err.Error(), fuzzCanary) {
			t.Fatalf("error %q quotes a query value", err)
		}
	})
}

const fuzzCanary = "QQcanaryQQ"

// withCanaryValues returns u with every query value replaced by a canary.
func withCanaryValues(u *url.URL) *url.URL {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return u
	}
	for name, vs := range q {
		for i := range vs {
			vs[i] = fuzzCanary
		}
		q[name] = vs
	}
	c := *u
	c.RawQuery = q.Encode()
	return &c
}
