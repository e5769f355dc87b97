package pull

import (
	"errors"
	"strings"
	"testing"
)

func TestParseServer(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]server{
		"ghcr.io":                      {host: "ghcr.io"},
		"https://index.docker.io/v1/":  {host: "docker.io", scheme: "https"},
		"HTTP://Lab.Internal:5000/v2/": {host: "lab.internal:5000", scheme: "http"},
		"[::1]:5000":                   {host: "[::1]:5000"},
		"registry.hub.docker.com":      {host: "docker.io"},
		"localhost:5000":               {host: "localhost:5000"},
		"https://ghcr.io/acme/app:tag": {host: "ghcr.io", scheme: "https"},
	} {
		got, err := parseServer(in)
		if err != nil || got != want {
			t.Errorf("parseServer(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "user@ghcr.io", "ghcr.io?x", "gh cr.io", "ghcr..io", ".ghcr.io", "ghcr.io:x",
		"ssh://ghcr.io", "https://", strings.Repeat("a", maxHostLen+1), "ghcr.io#f", "gh\x00cr.io"} {
		if _, err := parseServer(in); !errors.Is(err, ErrInvalidHost) {
			t.Errorf("parseServer(%q): %v, want ErrInvalidHost", in, err)
		}
	}
}

// FuzzParseServer: never a panic; an error is ErrInvalidHost and never
// repeats the input; a host parsed is lower-case, has no userinfo or
// path, and parses again to itself.
func FuzzParseServer(f *testing.F) {
	for _, s := range []string{"ghcr.io", "https://index.docker.io/v1/", "u:p@h", "[::1]:5000", "http://x:1/", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseServer(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidHost) || len(in) > 8 && strings.Contains(err.Error(), in) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if got.host != strings.ToLower(got.host) || strings.ContainsAny(got.host, "@/?# ") {
			t.Fatalf("host %q", got.host)
		}
		again, err := parseServer(got.host)
		if err != nil || again.host != got.host {
			t.Fatalf("%q reparsed to %+v, %v", got.host, again, err)
		}
	})
}
