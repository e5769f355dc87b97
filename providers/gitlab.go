package providers

import (
	"context"
	"net/url"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

func init() { register(GitLab, checkGitLab) }

// checkGitLab runs the v2 flow against a GitLab container registry, whose
// realm is <gitlab>/jwt/auth with service "container_registry". The token
// request carries what docker login sends: account=<user>,
// client_id=docker and offline_token=true. Deploy tokens and PATs
// (read_registry) log in the same way.
func checkGitLab(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	login := registry.LoginFor(c)
	var params url.Values
	if login != nil {
		params = url.Values{"account": {login.Username}, "client_id": {"docker"}, "offline_token": {"true"}}
	}
	return s.CheckV2(ctx, registry.V2Check{Endpoint: t.Origin() + "/v2/", Login: login, TokenParams: params})
}
