// Package doortest stores, for the tests of credvault's pull doors (the
// docker credential helper and the kubelet plugin), one org's records in
// a SQLite store configured as the commands read it from the
// environment: records that answer, and one for each failure a door must
// report without leaking a secret (no record, two equal records, a
// record that fails to open, an exchange the provider refuses, a
// provider that cannot be reached).
package doortest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"maps"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/ecremu"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/vaultenv"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/vault"
)

// Canary is in every stored secret.
const Canary = "CANARYd00r5e7a"

// Org is the fixture's org.
const Org = "acme"

// ECR access keys: the first the emulator serves, the second it denies.
const (
	akidGood   = "AKIAIOSFODNN7EXAMPLE"
	akidDenied = "AKIAIOSFODNN7DENIEDX"
)

// A Case is one request to a door: the server URL docker sends and the
// image a kubelet asks for, and what must come back.
type Case struct {
	Name   string
	Server string // docker's server URL
	Image  string // the kubelet's image
	Host   string // the registry host a failure must name
	// Username and Secret are the answer, when one is due.
	Username, Secret string
	// Err is the sentinel of a failure ("" when an answer is due).
	Err error
	// Prefixed reports a record whose URL has a repository path.
	Prefixed bool
	// Expires reports an exchanged credential with an expiry.
	Expires bool
}

// A Fixture is the stored org and what its tests need.
type Fixture struct {
	// Env is the commands' environment.
	Env map[string]string
	// Opts points exchanges at the emulators.
	Opts pull.Options
	// Cases are the requests and their outcomes.
	Cases []Case
}

// Getenv reads Env.
func (f *Fixture) Getenv(k string) string { return f.Env[k] }

// New stores the fixture's records.
func New(t *testing.T) *Fixture {
	t.Helper()
	dir := t.TempDir()
	root := make([]byte, 32)
	_, _ = rand.Read(root)
	f := &Fixture{Env: map[string]string{
		vaultenv.EnvStore:   "sqlite://" + filepath.Join(dir, "vault.db"),
		vaultenv.EnvKeysets: filepath.Join(dir, "keys"),
		vaultenv.EnvRootKey: base64.StdEncoding.EncodeToString(root),
		"CREDVAULT_ORG":     Org,
	}}
	ctx := context.Background()
	cfg := vaultenv.FromEnv(f.Getenv)
	v, st, keys, err := cfg.OpenVault(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := keys.Create(ctx, Org); err != nil {
		t.Fatal(err)
	}
	good, denied, endpoints := f.emulators(t)
	ecrSecret := Canary + strings.Repeat("0", 40-len(Canary))
	put := func(reg string, e vault.Entry) {
		t.Helper()
		if _, err := v.Put(ctx, vault.Key{Org: Org, Registry: reg}, e); err != nil {
			t.Fatalf("%s: %v", reg, err)
		}
	}
	userPass := func(u, p string) credentials.Credential {
		return credentials.UsernamePassword{Username: u, Password: credentials.NewSecret(p)}
	}
	put("hub", vault.Entry{Provider: providers.DockerHub, Credential: userPass("hubuser", "hub-"+Canary)})
	put("ghcr", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/acme",
		Credential: credentials.UsernamePat{Username: "bot", Pat: credentials.NewSecret("ghp_" + Canary)}})
	put("private", vault.Entry{Provider: providers.DockerRegistry, URL: "https://registry.example.com:5443", Credential: userPass("deploy", "priv-"+Canary)})
	put("dup-a", vault.Entry{Provider: providers.DockerRegistry, URL: "https://dup.example.com", Credential: userPass("a", "dupa-"+Canary)})
	put("dup-b", vault.Entry{Provider: providers.DockerRegistry, URL: "https://dup.example.com", Credential: userPass("b", "dupb-"+Canary)})
	put("broken", vault.Entry{Provider: providers.DockerRegistry, URL: "https://broken.example.com", Credential: userPass("x", "broken-"+Canary)})
	put("ecr", vault.Entry{Provider: providers.AWSECR, URL: "https://" + good.RegistryHost(),
		Credential: credentials.AwsEcr{AccessKeyID: akidGood, SecretAccessKey: credentials.NewSecret(ecrSecret), Region: good.Region()}})
	put("ecr-denied", vault.Entry{Provider: providers.AWSECR, URL: "https://" + denied.RegistryHost(),
		Credential: credentials.AwsEcr{AccessKeyID: akidDenied, SecretAccessKey: credentials.NewSecret(ecrSecret), Region: denied.Region()}})
	put("gar-down", vault.Entry{Provider: providers.GoogleGAR, URL: "https://europe-west1-docker.pkg.dev/p/r",
		Credential: credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(fixtures.ServiceAccountKey(
			"reader@p.iam.gserviceaccount.com", "https://"+closedPort(t)+"/token", "kid-"+Canary))}})
	tamper(t, st, vault.Key{Org: Org, Registry: "broken"})
	f.Opts = pull.Options{AllowLoopback: true, RootCAs: pool(good), Endpoints: endpoints}

	f.Cases = []Case{
		{Name: "docker hub", Server: pull.DockerHubServer, Image: "nginx:1.27", Username: "hubuser", Secret: "hub-" + Canary},
		{Name: "ghcr prefix", Server: "ghcr.io/acme", Image: "ghcr.io/acme/app:v1", Username: "bot", Secret: "ghp_" + Canary, Prefixed: true},
		{Name: "host and port", Server: "registry.example.com:5443", Image: "registry.example.com:5443/team/app", Username: "deploy", Secret: "priv-" + Canary},
		{Name: "https host", Server: "https://registry.example.com:5443", Image: "registry.example.com:5443/app@sha256:" + strings.Repeat("0", 64), Username: "deploy", Secret: "priv-" + Canary},
		{Name: "ecr", Server: good.RegistryHost(), Image: good.RegistryHost() + "/team/app:1", Username: "AWS", Expires: true},
		{Name: "unknown host", Server: "unknown.example.com", Image: "unknown.example.com/app", Host: hostOf("unknown.example.com"), Err: pull.ErrNoMatch},
		{Name: "suffix trick", Server: "ghcr.io.evil.example", Image: "ghcr.io.evil.example/acme/app", Host: hostOf("ghcr.io.evil.example"), Err: pull.ErrNoMatch},
		{Name: "plain http", Server: "http://registry.example.com:5443", Host: hostOf("http://registry.example.com:5443"), Err: pull.ErrNoMatch},
		{Name: "ambiguous", Server: "dup.example.com", Image: "dup.example.com/app", Host: hostOf("dup.example.com"), Err: pull.ErrAmbiguous},
		{Name: "open failure", Server: "broken.example.com", Image: "broken.example.com/app", Host: hostOf("broken.example.com"), Err: pull.ErrOpen},
		{Name: "exchange refused", Server: denied.RegistryHost(), Image: denied.RegistryHost() + "/app", Host: hostOf(denied.RegistryHost()), Err: pull.ErrRefused},
		{Name: "outage", Server: "europe-west1-docker.pkg.dev", Image: "europe-west1-docker.pkg.dev/p/r/app", Host: hostOf("europe-west1-docker.pkg.dev"), Err: pull.ErrUnavailable},
	}
	return f
}

// emulators starts two ECR emulators (two regions, so their API origins
// differ): one serves akidGood, the other denies akidDenied.
func (f *Fixture) emulators(t *testing.T) (good, denied *ecremu.Emulator, endpoints map[string]string) {
	good = ecremu.Start(t)
	good.AddKey(akidGood, Canary+strings.Repeat("0", 40-len(Canary)), "")
	denied = ecremu.Start(t, ecremu.WithRegion("us-west-2"), ecremu.WithAccount("210987654321"))
	denied.AddKey(akidDenied, Canary+strings.Repeat("0", 40-len(Canary)), "")
	denied.Deny(akidDenied)
	endpoints = maps.Clone(good.Endpoints())
	maps.Copy(endpoints, denied.Endpoints())
	return good, denied, endpoints
}

func pool(e *ecremu.Emulator) *x509.CertPool { return e.CertPool() }

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// tamper flips a byte of the record's envelope in the store, so it fails
// to open.
func tamper(t *testing.T, st vault.Store, k vault.Key) {
	t.Helper()
	ctx := context.Background()
	rec, err := st.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	rec.Envelope[len(rec.Envelope)-1] ^= 1
	if _, err := st.Put(ctx, rec, rec.Version); err != nil {
		t.Fatal(err)
	}
}

// Leaks reports the fixture's secrets found in s: every stored secret
// carries Canary, and exchanged tokens are checked by the caller.
func Leaks(s string) bool { return strings.Contains(s, Canary) }

// hostOf is the host part of a server URL.
func hostOf(server string) string {
	_, rest, ok := strings.Cut(server, "://")
	if !ok {
		rest = server
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}
