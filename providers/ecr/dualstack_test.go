package ecr

import (
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/ecremu"
	"github.com/credvault/credvault/internal/providertest"
)

// TestDualStackTargetHostIsChecked: the package documentation says
// GET /v2/ goes to "the target URL's host", and dual-stack
// (<acct>.dkr-ecr.<region>.on.aws) hosts are "understood": the check
// must go to that host, not rewrite it to the IPv4-only
// <acct>.dkr.ecr.<region>.amazonaws.com, where an IPv6-only network finds
// a working registry unreachable and the Result names a host the user
// never configured.
func TestDualStackTargetHostIsChecked(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	dual := ecremu.DefaultAccount + ".dkr-ecr." + ecremu.DefaultRegion + ".on.aws"
	delete(opts.Endpoints, "https://"+regHost) // only the dual-stack host is reachable
	opts.Endpoints["https://"+dual] = emu.Registry.URL
	r := providertest.TestConnection(t, ecrTarget("https://"+dual), staticCred(), opts)
	if !r.Healthy() || !strings.Contains(r.Endpoint, dual) {
		t.Fatalf("dual-stack target: %s endpoint %q: %s", r.Status, r.Endpoint, r.Message)
	}
}
