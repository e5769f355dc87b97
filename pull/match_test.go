package pull

import (
	"context"
	"errors"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// matchFixture stores records of several providers, some sharing a host.
func matchFixture(t *testing.T) *Authorizer {
	t.Helper()
	v, _ := newVault(t)
	put(t, v, "hub", vault.Entry{Provider: providers.DockerHub})
	put(t, v, "ghcr", vault.Entry{Provider: providers.GHCR})
	put(t, v, "ghcr-acme", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/acme"})
	put(t, v, "ghcr-acme-team", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/acme/team"})
	put(t, v, "ecr", vault.Entry{Provider: providers.DockerRegistry, URL: "https://registry.example:5000"})
	put(t, v, "lab", vault.Entry{Provider: providers.DockerRegistry, URL: "http://lab.internal:5000", Insecure: true})
	put(t, v, "twin-a", vault.Entry{Provider: providers.DockerRegistry, URL: "https://twin.example"})
	put(t, v, "twin-b", vault.Entry{Provider: providers.DockerRegistry, URL: "https://twin.example"})
	put(t, v, "tls", vault.Entry{Provider: providers.DockerRegistry, URL: "https://secure.example"})
	return New(v, Options{})
}

func TestMatch(t *testing.T) {
	t.Parallel()
	a := matchFixture(t)
	tests := []struct {
		host, repo string
		want       string // the record, or "" for an error
		err        error
	}{
		{host: "docker.io", repo: "library/nginx", want: "hub"},
		{host: "index.docker.io", want: "hub"},
		{host: "registry-1.docker.io", repo: "x/y", want: "hub"},
		{host: DockerHubServer, want: "hub"},
		{host: "ghcr.io", repo: "other/app", want: "ghcr"},
		{host: "ghcr.io", repo: "acme/app", want: "ghcr-acme"},
		{host: "ghcr.io", repo: "acme", want: "ghcr-acme"},
		{host: "ghcr.io", repo: "acme/team/app", want: "ghcr-acme-team"},
		{host: "ghcr.io", repo: "acmeco/app", want: "ghcr"}, // a prefix is whole segments
		{host: "GHCR.IO", want: "ghcr"},
		{host: "https://ghcr.io", want: "ghcr"},
		{host: "registry.example:5000", want: "ecr"},
		{host: "lab.internal:5000", want: "lab"},
		{host: "http://lab.internal:5000", want: "lab"},
		{host: "http://secure.example", err: ErrNoMatch}, // no http unless the record is insecure
		{host: "registry.example", err: ErrNoMatch},      // the port is part of the host
		{host: "ghcr.io.evil.example", err: ErrNoMatch},
		{host: "evil.ghcr.io", err: ErrNoMatch},
		{host: "quay.io", err: ErrNoMatch},
		{host: "twin.example", err: ErrAmbiguous},
		{host: "user:pw@ghcr.io", err: ErrInvalidHost},
		{host: "ftp://ghcr.io", err: ErrInvalidHost},
		{host: "", err: ErrInvalidHost},
		{host: "ghcr.io.", err: ErrInvalidHost},
	}
	for _, tc := range tests {
		m, err := a.Match(context.Background(), "acme", tc.host, tc.repo)
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("Match(%q, %q) = %v, %v; want %v", tc.host, tc.repo, m.Key.Registry, err, tc.err)
		case tc.err == nil && (err != nil || m.Key.Registry != tc.want):
			t.Errorf("Match(%q, %q) = %v, %v; want %s", tc.host, tc.repo, m.Key.Registry, err, tc.want)
		}
	}
}

func TestMatchErrorsNameTheHost(t *testing.T) {
	t.Parallel()
	a := matchFixture(t)
	_, err := a.Match(context.Background(), "acme", "quay.io", "")
	var pe *Error
	if !errors.As(err, &pe) || pe.Host != "quay.io" {
		t.Fatalf("err %v does not name the host", err)
	}
	_, err = a.Match(context.Background(), "acme", "twin.example", "")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || len(amb.Records) != 2 || amb.Host != "twin.example" {
		t.Fatalf("err %v does not name the host and both records", err)
	}
	_, err = a.Match(context.Background(), "acme", "bot:"+canary+"@ghcr.io", "")
	requireClean(t, err)
}

func TestMatchHostWideWinsWithoutRepository(t *testing.T) {
	t.Parallel()
	v, _ := newVault(t)
	put(t, v, "a", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/acme"})
	put(t, v, "b", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/other"})
	a := New(v, Options{})
	if _, err := a.Match(context.Background(), "acme", "ghcr.io", ""); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("two prefixed records and no repository: %v, want ErrAmbiguous", err)
	}
	put(t, v, "c", vault.Entry{Provider: providers.GHCR})
	if m, err := a.Match(context.Background(), "acme", "ghcr.io", ""); err != nil || m.Key.Registry != "c" {
		t.Fatalf("got %v, %v; want the host-wide record", m.Key.Registry, err)
	}
}

func TestMatchCloudHosts(t *testing.T) {
	t.Parallel()
	v, _ := newVault(t)
	for _, c := range []struct{ reg, url string }{
		{"ecr", "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
		{"jfrog", "https://acme.jfrog.io/artifactory/api/docker/docker-local"},
	} {
		p := providers.AWSECR
		if c.reg == "jfrog" {
			p = providers.JFrog
		}
		e := vault.Entry{Provider: p, URL: c.url, Credential: credentials.UsernamePassword{Username: "me", Password: credentials.NewSecret("pw")}}
		if p == providers.AWSECR {
			e.Credential = ecrCredential()
		}
		put(t, v, c.reg, e)
	}
	a := New(v, Options{})
	for host, want := range map[string]string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr",
		"123456789012.dkr-ecr.eu-west-1.on.aws":        "ecr", // dual-stack
	} {
		if m, err := a.Match(context.Background(), "acme", host, "app"); err != nil || m.Key.Registry != want {
			t.Errorf("%s: %v, %v", host, m.Key.Registry, err)
		}
	}
	if _, err := a.Match(context.Background(), "acme", "210987654321.dkr.ecr.eu-west-1.amazonaws.com", ""); !errors.Is(err, ErrNoMatch) {
		t.Errorf("another account matched: %v", err)
	}
	if m, err := a.Match(context.Background(), "acme", "acme.jfrog.io", "docker-local/app"); err != nil || m.Prefix != "docker-local" {
		t.Errorf("JFrog repository path: %+v, %v", m, err)
	}
	hosts, err := a.Hosts(context.Background(), "acme")
	if err != nil || len(hosts) != 2 {
		t.Fatalf("Hosts: %+v, %v", hosts, err)
	}
	// An ACR admin user names its registry: <username>.azurecr.io.
	put(t, v, "acr-admin", vault.Entry{Provider: providers.AzureACR,
		Credential: credentials.UsernamePassword{Username: "AcmeRegistry", Password: credentials.NewSecret("pw")}})
	if m, err := a.Match(context.Background(), "acme", "acmeregistry.azurecr.io", "app"); err != nil || m.Key.Registry != "acr-admin" {
		t.Errorf("ACR admin without URL: %v, %v", m.Key.Registry, err)
	}
	// A record whose host cannot be derived is left out.
	put(t, v, "ecr-no-url", vault.Entry{Provider: providers.AWSECR, Credential: ecrCredential()})
	hosts, err = a.Hosts(context.Background(), "acme")
	if err != nil || len(hosts) != 3 {
		t.Fatalf("Hosts: %+v, %v", hosts, err)
	}
}

func TestECRDualStack(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com":     "123456789012.dkr-ecr.us-east-1.on.aws",
		"123456789012.dkr-ecr.us-east-1.on.aws":            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn": "",
		"123456789012.dkr.ecr.x.y.amazonaws.com":           "",
		"ghcr.io":                                          "",
	} {
		if got, ok := ecrDualStack(in); got != want || ok != (want != "") {
			t.Errorf("ecrDualStack(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
