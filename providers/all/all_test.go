package all_test

import (
	"context"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/providers"
	_ "github.com/credvault/credvault/providers/all"
)

func fixture(t *testing.T, k credentials.Kind) credentials.Credential {
	for _, c := range fixtures.All("canaryall0000") {
		if c.Kind() == k {
			return c
		}
	}
	t.Fatalf("no fixture of kind %s", k)
	return nil
}

// TestCloudAdaptersLinked: with this package imported, each cloud provider
// reaches its own adapter, which the address policy then stops before any
// byte leaves the process (the ECR Public API, the GAR token_uri and the
// ACR authority all point at private addresses).
func TestCloudAdaptersLinked(t *testing.T) {
	gar := credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(
		fixtures.ServiceAccountKey("a@example-project.iam.gserviceaccount.com", "https://10.0.0.1/token", "kid"))}
	tests := []struct {
		target providers.Target
		cred   credentials.Credential
		opts   providers.Options
		want   string
	}{
		{providers.Target{Provider: providers.AWSECR, URL: "https://public.ecr.aws"}, fixture(t, credentials.KindAwsEcr),
			providers.Options{Endpoints: map[string]string{
				"https://sts.us-east-1.amazonaws.com":            "https://10.0.0.1",
				"https://api.ecr-public.us-east-1.amazonaws.com": "https://10.0.0.1",
			}}, "address policy"},
		{providers.Target{Provider: providers.GoogleGAR}, gar, providers.Options{}, "token_uri"},
		{providers.Target{Provider: providers.AzureACR, URL: "https://credvaultacr.azurecr.io"}, fixture(t, credentials.KindAzureAcr),
			providers.Options{Endpoints: map[string]string{"https://login.microsoftonline.com": "https://10.0.0.1"}}, "Entra authority"},
	}
	for _, tc := range tests {
		r := providers.TestConnection(context.Background(), tc.target, tc.cred, tc.opts)
		// The SDK's request is counted when handed to the safe client,
		// which then refuses it: at most one round trip, no byte sent.
		if !strings.Contains(r.Message, tc.want) || r.RoundTrips > 1 {
			t.Errorf("%s: %s (%d round trips)", tc.target.Provider, r.Message, r.RoundTrips)
		}
	}
}
