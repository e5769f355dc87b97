package providers

import (
	"context"
	"net/http"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

func init() { register(Nexus, checkNexus) }

// checkNexus runs the v2 flow against a Nexus Repository docker connector
// (its own port or subdomain), which challenges with
// `BASIC realm="Sonatype Nexus Repository Manager"`: two round trips.
//
// /service/rest/v1/status needs no authentication and proves only that
// Nexus runs, so it is never a health signal. It is asked only after /v2/
// answered 404, to explain the usual mistake: a URL naming Nexus's web
// port instead of the docker connector.
func checkNexus(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	base := t.Origin()
	r := s.CheckV2(ctx, registry.V2Check{Endpoint: base + "/v2/", Login: registry.LoginFor(c)})
	if r.Status != registry.StatusNotFound {
		return r
	}
	if rep, err := s.Do(ctx, registry.Call{URL: s.Rewrite(base + "/service/rest/v1/status")}); err == nil && rep.Status == http.StatusOK {
		r.Message = "this URL is Nexus's web port, not a docker connector: point it at the connector's port or subdomain"
	}
	return r
}
