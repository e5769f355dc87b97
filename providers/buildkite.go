package providers

import (
	"context"
	"net/url"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

// buildkiteAPI is the Buildkite REST API origin; buildkiteUser is the
// docker login user name Buildkite Packages expects.
const (
	buildkiteAPI  = "https://api.buildkite.com"
	buildkiteUser = "buildkite"
)

func init() {
	register(Buildkite, checkBuildkite)
	registry.RegisterExchange(string(Buildkite), exchangeBuildkite)
}

// exchangeBuildkite presents the stored token as docker login does: user
// "buildkite", the token as password; no round trip, no expiry.
func exchangeBuildkite(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) (registry.Grant, *registry.Result) {
	g, r := registry.Login(ctx, s, t, c)
	if r == nil {
		g.Username = buildkiteUser
	}
	return g, r
}

// checkBuildkite checks the token against the REST API
// (GET /v2/packages/organizations/{org}/registries/{registry} with the
// token as Bearer; scope read_registries) and then the registry's v2
// endpoint with user "buildkite" and the token as password.
//
// The target URL names the registry in its path, as image references do:
// https://packages.buildkite.com/<org>/<registry>.
func checkBuildkite(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	segs := t.Path()
	if len(segs) != 2 {
		return registry.Invalid("url: the path must be /<org>/<registry>")
	}
	login := registry.LoginFor(c)
	if r := buildkiteAPICheck(ctx, s, segs[0], segs[1], login); r.Status != registry.StatusHealthy {
		return r
	}
	return s.CheckV2(ctx, registry.V2Check{Endpoint: t.Origin() + "/v2/",
		Login: &registry.BasicAuth{Username: buildkiteUser, Password: login.Password}})
}

// buildkiteAPICheck reads the registry through the REST API with the
// token as Bearer.
func buildkiteAPICheck(ctx context.Context, s *registry.Session, org, reg string, login *registry.BasicAuth) registry.Result {
	endpoint := s.Origin(buildkiteAPI) + "/v2/packages/organizations/" + url.PathEscape(org) +
		"/registries/" + url.PathEscape(reg)
	_, r := s.Send(ctx, registry.Call{URL: endpoint, Header: registry.Bearer(login.Password.Reveal()),
		Who: "Buildkite API", What: "Buildkite API refused the token (scope read_registries)"})
	if r != nil {
		return *r
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: endpoint}
}
