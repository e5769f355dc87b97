package providers

import (
	"context"

	"github.com/credvault/credvault/credentials"
)

const ghcrRealm = "https://ghcr.io/token"

func init() { Register(GHCR, checkGHCR) }

// checkGHCR runs the v2 flow against ghcr.io: the PAT (read:packages) goes
// as Basic to the https://ghcr.io/token realm, never as a Bearer token
// (GHCR answers 401 to that). Anonymous /v2/ answers 401 or 403 (Harbor
// #21979); without credentials either counts as reachable.
func checkGHCR(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	return s.CheckV2(ctx, V2Check{Endpoint: registryOrigin(t) + "/v2/", Login: LoginFor(c),
		Realm: ghcrRealm, AnonymousForbidden: true})
}
