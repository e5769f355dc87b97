package providers

import (
	"context"
	"net/url"

	"github.com/credvault/credvault/credentials"
)

// buildkiteAPI is the Buildkite REST API origin; buildkiteUser is the
// docker login user name Buildkite Packages expects.
const (
	buildkiteAPI  = "https://api.buildkite.com"
	buildkiteUser = "buildkite"
)

func init() { Register(Buildkite, checkBuildkite) }

// checkBuildkite checks the token against the REST API
// (GET /v2/packages/organizations/{org}/registries/{registry} with the
// token as Bearer; scope read_registries) and then the registry's v2
// endpoint with user "buildkite" and the token as password.
//
// The target URL names the registry in its path, as image references do:
// https://packages.buildkite.com/<org>/<registry>.
func checkBuildkite(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	segs := pathSegments(t)
	if len(segs) != 2 {
		return invalidConfig("url: the path must be /<org>/<registry>")
	}
	login := LoginFor(c)
	if r := s.buildkiteAPI(ctx, segs[0], segs[1], login); r.Status != StatusHealthy {
		return r
	}
	return s.CheckV2(ctx, V2Check{Endpoint: registryOrigin(t) + "/v2/",
		Login: &BasicAuth{Username: buildkiteUser, Password: login.Password}})
}

func (s *Session) buildkiteAPI(ctx context.Context, org, registry string, login *BasicAuth) Result {
	endpoint := s.Origin(buildkiteAPI) + "/v2/packages/organizations/" + url.PathEscape(org) +
		"/registries/" + url.PathEscape(registry)
	rep, err := s.get(ctx, endpoint, bearerHeader(login.Password.Reveal()))
	if err != nil {
		return ErrorResult(err, endpoint)
	}
	if !rep.ok() {
		return ResponseResult(rep.status, rep.body, endpoint, "Buildkite API refused the token (scope read_registries)")
	}
	return Result{Status: StatusHealthy, Endpoint: endpoint}
}
