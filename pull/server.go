package pull

import (
	"net/url"
	"strings"
)

// maxHostLen caps a registry host (a DNS name is at most 253 bytes, plus
// a port).
const maxHostLen = 260

// A server is a parsed registry host: lower-cased host[:port], and the
// scheme when a server URL gave one.
type server struct {
	host   string
	scheme string // "", "https" or "http"
}

// parseServer parses a registry host or a docker server URL, ignoring
// any path after the host. Docker
// Hub's names come back as "docker.io". The error never repeats the
// input, which may hold userinfo.
func parseServer(s string) (server, error) {
	var ref server
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		ref.scheme = strings.ToLower(scheme)
		if ref.scheme != "https" && ref.scheme != "http" {
			return server{}, hostErr("the server URL's scheme is neither https nor http")
		}
		s = rest
	}
	s, _, _ = strings.Cut(s, "/") // docker's /v1/ and any path name no repository
	if s == "" || len(s) > maxHostLen {
		return server{}, hostErr("the registry host is empty or too long")
	}
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host != s || u.User != nil || u.Hostname() == "" || !validHost(u.Hostname()) {
		return server{}, hostErr("the registry host does not parse")
	}
	ref.host = strings.ToLower(s)
	for _, alias := range dockerHubAliases {
		if ref.host == alias {
			ref.host = dockerHub
		}
	}
	return ref, nil
}

// validHost accepts DNS names and IP literals: letters, digits, '.', '-',
// and for IPv6 literals ':' (url.Parse has checked the brackets).
func validHost(h string) bool {
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == ':':
		default:
			return false
		}
	}
	return !strings.HasPrefix(h, ".") && !strings.HasSuffix(h, ".") && !strings.Contains(h, "..")
}

func hostErr(msg string) error {
	return &Error{Message: msg, Err: ErrInvalidHost}
}
