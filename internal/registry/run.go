package registry

import (
	"context"

	"github.com/credvault/credvault/credentials"
)

// Run runs check against t with c in a new session built from cfg, bounded
// by cfg's timeout, and returns its Result and the round trips sent. The
// session scrubs c's secrets, and all it sends, from provider text as the
// checker quotes it (see Session.Redact); Run scrubs the Message,
// ProviderCode and Endpoint once more as a last line of defence. A
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
	s.AddSecrets(secretValues(c)...)
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	r := check(ctx, s, t, c)
	r.Message = s.secrets.ours(r.Message)
	r.ProviderCode = s.secrets.inPlace(r.ProviderCode)
	r.Endpoint = s.secrets.url(r.Endpoint)
	return r, s.RoundTrips()
}
