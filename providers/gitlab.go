package providers

import (
	"context"
	"net/url"

	"github.com/credvault/credvault/credentials"
)

func init() { Register(GitLab, checkGitLab) }

// checkGitLab runs the v2 flow against a GitLab container registry, whose
// realm is <gitlab>/jwt/auth with service "container_registry". The token
// request carries what docker login sends: account=<user>,
// client_id=docker and offline_token=true. Deploy tokens and PATs
// (read_registry) log in the same way.
func checkGitLab(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	login := LoginFor(c)
	var params url.Values
	if login != nil {
		params = url.Values{"account": {login.Username}, "client_id": {"docker"}, "offline_token": {"true"}}
	}
	return s.CheckV2(ctx, V2Check{Endpoint: registryOrigin(t) + "/v2/", Login: login, TokenParams: params})
}
