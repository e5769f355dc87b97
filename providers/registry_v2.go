package providers

import (
	"context"

	"github.com/credvault/credvault/credentials"
)

func init() {
	Register(DockerRegistry, checkGenericV2)
	Register(Custom, checkGenericV2)
}

// checkGenericV2 checks any registry speaking the v2 API (DOCKER_REGISTRY,
// CUSTOM): /v2/ at the URL's origin, then whichever of Bearer or Basic the
// registry challenges with (see V2Check).
func checkGenericV2(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	return s.CheckV2(ctx, V2Check{Endpoint: registryOrigin(t) + "/v2/", Login: LoginFor(c)})
}
