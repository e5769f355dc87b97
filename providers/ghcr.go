package providers

import (
	"context"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

const ghcrRealm = "https://ghcr.io/token"

func init() { register(GHCR, checkGHCR) }

// checkGHCR runs the v2 flow against ghcr.io: the PAT (read:packages) goes
// as Basic to the https://ghcr.io/token realm, never as a Bearer token
// (GHCR answers 401 to that). Anonymous /v2/ answers 401 or 403 (Harbor
// #21979); without credentials either counts as reachable.
func checkGHCR(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	return s.CheckV2(ctx, registry.V2Check{Endpoint: t.Origin() + "/v2/", Login: registry.LoginFor(c),
		Realm: ghcrRealm, AnonymousForbidden: true})
}
