package providers

import (
	"context"
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

const quayRealm = "https://quay.io/v2/auth"

func init() { register(Quay, checkQuay) }

// checkQuay runs the v2 flow against quay.io and its /v2/auth realm. Robot
// accounts log in as "org+robot" with the robot token as password; a
// refused robot login says so.
func checkQuay(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	login := registry.LoginFor(c)
	r := s.CheckV2(ctx, registry.V2Check{Endpoint: t.Origin() + "/v2/", Login: login, Realm: quayRealm})
	if login != nil && strings.Contains(login.Username, "+") {
		switch r.Status {
		case registry.StatusHealthy:
			r.Message += " as robot account " + login.Username
		case registry.StatusAuthFailed:
			r.Message = "Quay refused robot account " + login.Username + ": " + r.Message
		}
	}
	return r
}
