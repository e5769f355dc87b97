package registry

import (
	"context"

	"github.com/credvault/credvault/credentials"
)

// Run runs check against t with c in a new session built from cfg, bounded
// by cfg's timeout, and returns its Result with every secret value of c
// scrubbed from the Message, ProviderCode and Endpoint (a last line of
// defence: checkers never format one), and the round trips sent. A
// session that cannot be built (a CA bundle without a certificate) is
// StatusInvalidConfig with no request sent.
func Run(ctx context.Context, check Checker, t Target, c credentials.Credential, cfg Config) (Result, int) {
	if IsNil(c) {
		c = nil
	}
	s, err := NewSession(ctx, cfg)
	if err != nil {
		return Invalid(err.Error()), 0
	}
	defer s.Client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	r := check(ctx, s, t, c)
	r.Message = scrub(r.Message, c)
	r.ProviderCode = scrub(r.ProviderCode, c)
	r.Endpoint = scrub(r.Endpoint, c)
	return r, s.RoundTrips()
}
