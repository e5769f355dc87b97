package providers_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
)

func TestAllOrderAndCopies(t *testing.T) {
	want := []providers.Provider{
		providers.DockerHub, providers.GHCR, providers.AWSECR, providers.AzureACR,
		providers.GoogleGAR, providers.GitLab, providers.Harbor, providers.JFrog,
		providers.Quay, providers.Nexus, providers.DockerRegistry, providers.Custom,
		providers.HarnessAR, providers.Buildkite,
	}
	all := providers.All()
	if len(all) != len(want) {
		t.Fatalf("All() has %d providers, want %d", len(all), len(want))
	}
	for n, info := range all {
		if info.Provider != want[n] {
			t.Errorf("All()[%d] = %s, want %s", n, info.Provider, want[n])
		}
		if info.Name == "" || len(info.Kinds) == 0 {
			t.Errorf("%s: empty name or kinds", info.Provider)
		}
	}
	all[0].Kinds[0] = "tampered"
	all[0].DefaultURL = "https://evil.example"
	again, _ := providers.Lookup(providers.DockerHub)
	if again.Kinds[0] == "tampered" || again.DefaultURL != "https://registry-1.docker.io" {
		t.Fatal("All() returned the table itself, not a copy")
	}
}

// TestURLRequiredMatchesHarborGuard pins URLRequired to the API's list:
// "Required for DOCKER_REGISTRY, HARBOR, JFROG, NEXUS, GITLAB, CUSTOM."
func TestURLRequiredMatchesHarborGuard(t *testing.T) {
	required := []providers.Provider{providers.DockerRegistry, providers.Harbor,
		providers.JFrog, providers.Nexus, providers.GitLab, providers.Custom}
	for _, info := range providers.All() {
		if got, want := info.URLRequired, slices.Contains(required, info.Provider); got != want {
			t.Errorf("%s: URLRequired = %v, want %v", info.Provider, got, want)
		}
		if info.URLRequired && info.DefaultURL != "" {
			t.Errorf("%s: a required URL cannot have a default", info.Provider)
		}
		if !info.URLRequired && info.DefaultURL == "" && info.Derived == "" {
			t.Errorf("%s: no URL, no default and no derivation documented", info.Provider)
		}
		if info.DefaultURL != "" {
			if err := providers.Validate(info.Provider, info.DefaultURL, nil); err != nil &&
				!errors.Is(err, providers.ErrCredentialsRequired) {
				t.Errorf("%s: default URL fails validation: %v", info.Provider, err)
			}
		}
	}
}

func TestKindsTable(t *testing.T) {
	tests := map[providers.Provider][]credentials.Kind{
		providers.DockerHub:      {credentials.KindUsernamePassword, credentials.KindUsernamePat},
		providers.GHCR:           {credentials.KindUsernamePat, credentials.KindUsernamePassword},
		providers.AWSECR:         {credentials.KindAwsEcr},
		providers.AzureACR:       {credentials.KindAzureAcr, credentials.KindUsernamePassword},
		providers.GoogleGAR:      {credentials.KindGoogleGar},
		providers.GitLab:         {credentials.KindUsernamePat, credentials.KindUsernamePassword},
		providers.Harbor:         {credentials.KindHarborRobot, credentials.KindUsernamePassword},
		providers.JFrog:          {credentials.KindJfrogIdentityToken, credentials.KindUsernamePassword},
		providers.Quay:           {credentials.KindUsernamePassword, credentials.KindUsernamePat},
		providers.Nexus:          {credentials.KindUsernamePassword},
		providers.DockerRegistry: {credentials.KindUsernamePassword, credentials.KindUsernamePat},
		providers.Custom:         {credentials.KindUsernamePassword, credentials.KindUsernamePat},
		providers.HarnessAR:      {credentials.KindUsernamePat, credentials.KindUsernamePassword},
		providers.Buildkite:      {credentials.KindUsernamePat, credentials.KindUsernamePassword},
	}
	for p, want := range tests {
		info, ok := providers.Lookup(p)
		if !ok {
			t.Fatalf("Lookup(%s) not found", p)
		}
		if !slices.Equal(info.Kinds, want) {
			t.Errorf("%s: kinds %v, want %v", p, info.Kinds, want)
		}
		for _, k := range credentials.Kinds() {
			if info.Accepts(k) != slices.Contains(want, k) {
				t.Errorf("%s: Accepts(%s) wrong", p, k)
			}
		}
	}
}

func TestParseProvider(t *testing.T) {
	for _, info := range providers.All() {
		got, err := providers.ParseProvider(string(info.Provider))
		if err != nil || got != info.Provider {
			t.Errorf("ParseProvider(%q) = %q, %v", info.Provider, got, err)
		}
	}
	for _, bad := range []string{"", "docker_hub", "Docker_Hub", " GHCR", "GHCR ", "HARNESS", "ECR", "GHCR\x00"} {
		_, err := providers.ParseProvider(bad)
		var fe *credentials.FieldError
		if !errors.Is(err, providers.ErrUnknownProvider) || !errors.As(err, &fe) || fe.Field != "provider" {
			t.Errorf("ParseProvider(%q) error = %v, want ErrUnknownProvider on field provider", bad, err)
		}
	}
}

func FuzzParseProvider(f *testing.F) {
	for _, s := range []string{"DOCKER_HUB", "HARNESS_AR", "quay", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := providers.ParseProvider(s)
		if err == nil && string(p) != s {
			t.Fatalf("ParseProvider(%q) = %q", s, p)
		}
		if err != nil && !errors.Is(err, providers.ErrUnknownProvider) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func ExampleLookup() {
	info, _ := providers.Lookup(providers.GHCR)
	fmt.Println(info.Name, info.DefaultURL, info.URLRequired, info.Kinds)
	// Output: GitHub Container Registry https://ghcr.io false [UsernamePat UsernamePassword]
}

func ExampleParseProvider() {
	_, err := providers.ParseProvider("ghcr")
	fmt.Println(err)
	// Output: providers: unknown provider: provider: not one of the supported providers (DOCKER_HUB, GHCR, AWS_ECR, AZURE_ACR, GOOGLE_GAR, GITLAB, HARBOR, JFROG, QUAY, NEXUS, DOCKER_REGISTRY, CUSTOM, HARNESS_AR, BUILDKITE_PACKAGES)
}
