package providers

import (
	"context"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

func init() { register(Harbor, checkHarbor) }

// checkHarbor asks Harbor's token service for a registry token:
// GET /service/token?service=harbor-registry with the login as Basic. A
// token proves the robot (robot$…, prefix per Target.RobotPrefix, which
// Validate checks) or user and its secret: one round trip. The other
// candidates prove nothing: /api/v2.0/ping needs no authentication, and
// /api/v2.0/users/current answers 412 to every robot account.
//
// A 404 from /service/token says the URL is not a Harbor (a plain
// registry has no token service): not_found, not a refusal of the
// credentials. Without credentials it checks /v2/ for reachability only.
func checkHarbor(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	base := t.Origin()
	login := registry.LoginFor(c)
	if login == nil {
		return s.CheckV2(ctx, registry.V2Check{Endpoint: base + "/v2/"})
	}
	endpoint := s.Rewrite(base + "/service/token")
	if _, r := s.FetchToken(ctx, endpoint+"?service=harbor-registry", login); r.Status != "" {
		if r.Status == registry.StatusNotFound {
			r.Message = "no Harbor token service at /service/token (HTTP 404): the URL may not name a Harbor instance; " +
				"the credentials were not tested"
		}
		return r
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: endpoint, Authenticated: true,
		Message: "Harbor issued a registry token for " + login.Username}
}
