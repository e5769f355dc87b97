package providers

import (
	"context"
	"strings"

	"github.com/credvault/credvault/credentials"
)

const quayRealm = "https://quay.io/v2/auth"

func init() { Register(Quay, checkQuay) }

// checkQuay runs the v2 flow against quay.io and its /v2/auth realm. Robot
// accounts log in as "org+robot" with the robot token as password; a
// refused robot login says so.
func checkQuay(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	login := LoginFor(c)
	r := s.CheckV2(ctx, V2Check{Endpoint: registryOrigin(t) + "/v2/", Login: login, Realm: quayRealm})
	if login != nil && strings.Contains(login.Username, "+") {
		switch r.Status {
		case StatusHealthy:
			r.Message += " as robot account " + login.Username
		case StatusAuthFailed:
			r.Message = "Quay refused robot account " + login.Username + ": " + r.Message
		}
	}
	return r
}
