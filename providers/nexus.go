package providers

import (
	"context"
	"net/http"

	"github.com/credvault/credvault/credentials"
)

func init() { Register(Nexus, checkNexus) }

// checkNexus runs the v2 flow against a Nexus Repository docker connector
// (its own port or subdomain), which challenges with
// `BASIC realm="Sonatype Nexus Repository Manager"`: two round trips.
//
// /service/rest/v1/status needs no authentication and proves only that
// Nexus runs, so it is never a health signal. It is asked only after /v2/
// answered 404, to explain the usual mistake: a URL naming Nexus's web
// port instead of the docker connector.
func checkNexus(ctx context.Context, s *Session, t Target, c credentials.Credential) Result {
	base := registryOrigin(t)
	r := s.CheckV2(ctx, V2Check{Endpoint: base + "/v2/", Login: LoginFor(c)})
	if r.Status != StatusNotFound {
		return r
	}
	if rep, err := s.get(ctx, s.Rewrite(base+"/service/rest/v1/status"), nil); err == nil && rep.status == http.StatusOK {
		r.Message = "this URL is Nexus's web port, not a docker connector: point it at the connector's port or subdomain"
	}
	return r
}
