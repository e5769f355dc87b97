package providers

import (
	"context"

	"github.com/credvault/credvault/credentials"
)

func init() { Register(Harbor, checkHarbor) }

// checkHarbor asks Harbor's token service for a registry token:
// GET /service/token?service=harbor-registry with the login as Basic. A
// token proves the robot (robot$…, prefix per Target.RobotPrefix, which
// Validate checks) or user and its secret: one round trip. The other
// candidates prove nothing: /api/v2.0/ping needs no authentication, and
// /api/v2.0/users/current answers 412 to every robot account.
//
// Without credentials it checks /v2/ for reachability only.
func checkHarbor(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	base := registryOrigin(t)
	login := LoginFor(c)
	if login == nil {
		return s.CheckV2(ctx, V2Check{Endpoint: base + "/v2/"})
	}
	shown := s.Rewrite(base + "/service/token")
	_, r := s.fetchToken(ctx, shown+"?service=harbor-registry", basicHeader(login), shown)
	if r.Status != "" {
		return r
	}
	return Result{Status: StatusHealthy, Endpoint: shown, Authenticated: true,
		Message: "Harbor issued a registry token for " + login.Username}
}
