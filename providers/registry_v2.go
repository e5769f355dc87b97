package providers

import (
	"context"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

func init() {
	register(DockerRegistry, checkGenericV2)
	register(Custom, checkGenericV2)
}

// checkGenericV2 checks any registry speaking the v2 API (DOCKER_REGISTRY,
// CUSTOM): /v2/ at the URL's origin, then whichever of Bearer or Basic the
// registry challenges with (see V2Check).
func checkGenericV2(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	return s.CheckV2(ctx, registry.V2Check{Endpoint: t.Origin() + "/v2/", Login: registry.LoginFor(c)})
}
