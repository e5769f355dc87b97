package providers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

// harnessAPI is the Harness SaaS API origin, serving registries at
// harnessSaaSHost; the /gateway prefix is how the SaaS routes API calls
// (unverified: from Harness's API reference as reported, not a spec).
const (
	harnessAPI       = "https://app.harness.io"
	harnessSaaSHost  = "pkg.harness.io"
	harnessAPIPrefix = "/gateway/har/api/v1/spaces/"
)

func init() { register(HarnessAR, checkHarness) }

// checkHarness checks the token twice: against the Harness API
// (x-api-key on GET /har/api/v1/spaces/{space_ref}/registries, where
// space_ref is the URL path plus the mandatory "/+" suffix), and against
// the registry's v2 endpoint with the login (username: the account email
// for a PAT, "_token" for a service-account token).
//
// The target URL names the space in its path:
// https://pkg.harness.io/<account>[/<org>[/<project>]].
func checkHarness(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	space := t.Path()
	if len(space) == 0 || len(space) > 3 {
		return registry.Invalid("url: the path must name the Harness space: /<account>[/<org>[/<project>]]")
	}
	login := registry.LoginFor(c)
	if r := harnessAPICheck(ctx, s, harnessAPIOrigin(t), space, login); r.Status != registry.StatusHealthy {
		return r
	}
	return s.CheckV2(ctx, registry.V2Check{Endpoint: t.Origin() + "/v2/", Login: login})
}

// harnessAPIOrigin is where the API check sends the token: the SaaS API
// for a SaaS registry, else the target's own origin (a self-managed
// Harness serves its API there), so a self-managed instance's token never
// goes to Harness SaaS.
func harnessAPIOrigin(t registry.Target) string {
	if strings.EqualFold(t.Hostname(), harnessSaaSHost) {
		return harnessAPI
	}
	return t.Origin()
}

// harnessAPICheck lists at most one registry of the space with the token
// as x-api-key.
func harnessAPICheck(ctx context.Context, s *registry.Session, origin string, space []string, login *registry.BasicAuth) registry.Result {
	esc := make([]string, len(space))
	for i, seg := range space {
		esc[i] = url.PathEscape(seg)
	}
	endpoint := s.Origin(origin) + harnessAPIPrefix + strings.Join(esc, "/") + "/+/registries"
	_, r := s.Send(ctx, registry.Call{URL: endpoint + "?size=1", Header: http.Header{"X-Api-Key": {login.Password.Reveal()}},
		Who: "Harness API", What: "Harness API refused the token"})
	if r != nil {
		return *r
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: endpoint}
}
