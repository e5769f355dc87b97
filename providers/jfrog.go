package providers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/credvault/credvault/credentials"
)

func init() { Register(JFrog, checkJFrog) }

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
func checkJFrog(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	endpoint, ok := jfrogEndpoint(t)
	if !ok {
		return invalidConfig("url: a JFrog URL's path must be empty or /artifactory/api/docker/<repo-key>")
	}
	login := LoginFor(c)
	r := s.CheckV2(ctx, V2Check{Endpoint: endpoint, Login: login})
	if _, isToken := deref(c).(credentials.JfrogIdentityToken); !isToken || !r.Authenticated {
		return r
	}
	if subject := s.jfrogSubject(ctx, registryOrigin(t), login); subject != "" {
		r.Message += "; token subject " + subject
	}
	return r
}

// jfrogEndpoint is the v2 endpoint for the target URL.
func jfrogEndpoint(t Target) (string, bool) {
	segs := pathSegments(t)
	switch {
	case len(segs) == 0:
		return registryOrigin(t) + "/v2/", true
	case len(segs) == 4 || len(segs) == 5 && segs[4] == "v2":
		if segs[0] == "artifactory" && segs[1] == "api" && segs[2] == "docker" {
			return registryOrigin(t) + "/artifactory/api/docker/" + url.PathEscape(segs[3]) + "/v2/", true
		}
	}
	return "", false
}

// jfrogSubject returns the identity token's subject, or "" when the
// instance cannot say.
func (s *Session) jfrogSubject(ctx context.Context, origin string, login *BasicAuth) string {
	rep, err := s.get(ctx, s.Rewrite(origin+"/access/api/v1/tokens/me"), bearerHeader(login.Password.Reveal()))
	if err != nil || rep.status != http.StatusOK {
		return ""
	}
	var me struct {
		Subject string `json:"subject"`
	}
	if json.Unmarshal(rep.body, &me) != nil {
		return ""
	}
	return Clip(me.Subject, 200)
}
