package providers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/credvault/credvault/credentials"
)

// harnessAPI is the Harness SaaS API origin, serving registries at
// harnessSaaSHost; the /gateway prefix is how the SaaS routes API calls
// (unverified: from Harness's API reference as reported, not a spec).
const (
	harnessAPI       = "https://app.harness.io"
	harnessSaaSHost  = "pkg.harness.io"
	harnessAPIPrefix = "/gateway/har/api/v1/spaces/"
)

func init() { Register(HarnessAR, checkHarness) }

// checkHarness checks the token twice: against the Harness API
// (x-api-key on GET /har/api/v1/spaces/{space_ref}/registries, where
// space_ref is the URL path plus the mandatory "/+" suffix), and against
// the registry's v2 endpoint with the login (username: the account email
// for a PAT, "_token" for a service-account token).
//
// The target URL names the space in its path:
// https://pkg.harness.io/<account>[/<org>[/<project>]].
func checkHarness(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	space := pathSegments(t)
	if len(space) == 0 || len(space) > 3 {
		return invalidConfig("url: the path must name the Harness space: /<account>[/<org>[/<project>]]")
	}
	login := LoginFor(c)
	if r := s.harnessAPI(ctx, harnessAPIOrigin(t), space, login); r.Status != StatusHealthy {
		return r
	}
	return s.CheckV2(ctx, V2Check{Endpoint: registryOrigin(t) + "/v2/", Login: login})
}

// harnessAPIOrigin is where the API check sends the token: the SaaS API
// for a SaaS registry, else the target's own origin (a self-managed
// Harness serves its API there), so a self-managed instance's token never
// goes to Harness SaaS.
func harnessAPIOrigin(t Target) string {
	if u, ok := targetURL(t); ok && strings.EqualFold(u.Hostname(), harnessSaaSHost) {
		return harnessAPI
	}
	return registryOrigin(t)
}

func (s *Session) harnessAPI(ctx context.Context, origin string, space []string, login *BasicAuth) Result {
	esc := make([]string, len(space))
	for i, seg := range space {
		esc[i] = url.PathEscape(seg)
	}
	endpoint := s.Origin(origin) + harnessAPIPrefix + strings.Join(esc, "/") + "/+/registries"
	rep, err := s.get(ctx, endpoint+"?size=1", http.Header{"X-Api-Key": {login.Password.Reveal()}})
	if err != nil {
		return ErrorResult(err, endpoint)
	}
	if !rep.ok() {
		return ResponseResult(rep.status, rep.body, endpoint, "Harness API refused the token")
	}
	return Result{Status: StatusHealthy, Endpoint: endpoint}
}
