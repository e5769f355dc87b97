package safehttp

import "time"

// PhaseLimits exposes the limits NewClient applies for opts, so that tests
// check the rule without timing anything.
func PhaseLimits(opts Options) (dial, handshake, headers, budget time.Duration) {
	o := opts.withDefaults()
	return o.DialTimeout, o.TLSHandshakeTimeout, o.ResponseHeaderTimeout, o.Timeout
}
