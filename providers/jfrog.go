package providers

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

func init() { register(JFrog, checkJFrog) }

// checkJFrog runs the v2 flow against an Artifactory Docker repository and,
// for an identity token, asks /access/api/v1/tokens/me who the token
// belongs to (a fourth round trip; older instances lack the endpoint and
// the check does not depend on it). /artifactory/api/system/ping is not
// used: it proves only reachability (jfrog-cli #1942).
//
// The target URL is either the repository path
// https://<host>/artifactory/api/docker/<repo-key> (the repository key comes
// from the path) or a bare origin serving /v2/ through the subdomain or
// repository-path methods.
func checkJFrog(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	endpoint, ok := jfrogEndpoint(t)
	if !ok {
		return registry.Invalid("url: a JFrog URL's path must be empty or /artifactory/api/docker/<repo-key>")
	}
	login := registry.LoginFor(c)
	r := s.CheckV2(ctx, registry.V2Check{Endpoint: endpoint, Login: login})
	if !isIdentityToken(c) || !r.Authenticated {
		return r
	}
	if subject := jfrogSubject(ctx, s, t.Origin(), login); subject != "" {
		r.Message += "; token subject " + subject
	}
	return r
}

// jfrogEndpoint is the v2 endpoint for the target URL.
func jfrogEndpoint(t registry.Target) (string, bool) {
	segs := t.Path()
	switch {
	case len(segs) == 0:
		return t.Origin() + "/v2/", true
	case len(segs) == 4 || len(segs) == 5 && segs[4] == "v2":
		if segs[0] == "artifactory" && segs[1] == "api" && segs[2] == "docker" {
			return t.Origin() + "/artifactory/api/docker/" + url.PathEscape(segs[3]) + "/v2/", true
		}
	}
	return "", false
}

// isIdentityToken reports whether c is a JfrogIdentityToken, as a value
// or a pointer.
func isIdentityToken(c credentials.Credential) bool {
	switch c.(type) {
	case credentials.JfrogIdentityToken, *credentials.JfrogIdentityToken:
		return true
	}
	return false
}

// jfrogSubject returns the identity token's subject, or "" when the
// instance cannot say.
func jfrogSubject(ctx context.Context, s *registry.Session, origin string, login *registry.BasicAuth) string {
	body, r := s.Send(ctx, registry.Call{URL: s.Rewrite(origin + "/access/api/v1/tokens/me"),
		Header: registry.Bearer(login.Password.Reveal())})
	if r != nil {
		return ""
	}
	var me struct {
		Subject string `json:"subject"`
	}
	if json.Unmarshal(body, &me) != nil {
		return ""
	}
	return s.Redact(me.Subject)
}
