package providers

import (
	"context"
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

// Docker Hub's fixed endpoints: every Hub URL (docker.io,
// index.docker.io, ...) is served by registry-1.docker.io, whose token
// realm is auth.docker.io.
const (
	dockerHubRegistry = "https://registry-1.docker.io"
	dockerHubRealm    = "https://auth.docker.io/token"
	dockerHubService  = "registry.docker.io"
)

// dockerHubPATNeeded is the token server's answer to a password login on
// an account with two-factor authentication.
const dockerHubPATNeeded = "please use personal access token"

func init() { register(DockerHub, checkDockerHub) }

// checkDockerHub runs the v2 flow against registry-1.docker.io, accepting
// only the auth.docker.io realm, and explains Hub's own failures: a 2FA
// account that needs a PAT (dckr_pat_…), and pull rate limits (429).
func checkDockerHub(ctx context.Context, s *registry.Session, _ registry.Target, c credentials.Credential) registry.Result {
	r := s.CheckV2(ctx, registry.V2Check{Endpoint: dockerHubRegistry + "/v2/", Login: registry.LoginFor(c), Realm: dockerHubRealm})
	switch {
	case r.Status == registry.StatusAuthFailed && strings.Contains(strings.ToLower(r.Message), dockerHubPATNeeded):
		r.Message = "Docker Hub refused the password: the account has two-factor authentication, " +
			"so it must log in with a personal access token (dckr_pat_…)"
	case r.Status == registry.StatusRateLimited:
		r.Message = "Docker Hub rate limit reached (HTTP 429); retry later or authenticate: " + r.Message
	}
	return r
}
