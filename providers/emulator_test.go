package providers_test

import (
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/providers"
)

// emuCanary is in every secret the emulator tests use; no Result may show it.
const emuCanary = "CANARY7f3a9c1e"

func up(u, p string) credentials.Credential {
	return credentials.UsernamePassword{Username: u, Password: credentials.NewSecret(p)}
}

func pat(u, p string) credentials.Credential {
	return credentials.UsernamePat{Username: u, Pat: credentials.NewSecret(p)}
}

func robot(u, p string) credentials.Credential {
	return credentials.HarborRobot{RobotName: u, Secret: credentials.NewSecret(p)}
}

func jfrogTok(u, p string) credentials.Credential {
	return credentials.JfrogIdentityToken{Username: u, IdentityToken: credentials.NewSecret(p)}
}

// provCase is one provider checked against its emulator.
type provCase struct {
	name     string
	provider providers.Provider
	flavor   regemu.Flavor
	cred     func(u, p string) credentials.Credential
	user     string
	pass     string
	trips    int  // round trips of a healthy check
	bearer   bool // the registry challenges with Bearer
	pinned   bool // the provider accepts only its fixed realm
}

var provCases = []provCase{
	{"docker_hub", providers.DockerHub, regemu.DockerHub, pat, "alice", "dckr_pat_" + emuCanary, 3, true, true},
	{"ghcr", providers.GHCR, regemu.GHCR, pat, "octocat", "ghp_" + emuCanary, 3, true, true},
	{"quay", providers.Quay, regemu.Quay, up, "acme+ci", "quay-" + emuCanary, 3, true, true},
	{"gitlab", providers.GitLab, regemu.GitLab, pat, "deployer", "glpat-" + emuCanary, 3, true, false},
	{"harbor", providers.Harbor, regemu.Harbor, robot, "robot$library+ci", "hbr-" + emuCanary, 1, false, false},
	{"jfrog", providers.JFrog, regemu.JFrog, jfrogTok, "ci", "jfid-" + emuCanary, 4, true, false},
	{"nexus", providers.Nexus, regemu.Nexus, up, "nexus-user", "nx-" + emuCanary, 2, false, false},
	{"docker_registry", providers.DockerRegistry, regemu.Distribution, up, "dev", "pw-" + emuCanary, 3, true, false},
	{"custom", providers.Custom, regemu.BasicAuth, up, "dev", "pw-" + emuCanary, 2, false, false},
	{"harness", providers.HarnessAR, regemu.Harness, pat, "_token", "pat." + emuCanary, 4, true, false},
	{"buildkite", providers.Buildkite, regemu.Buildkite, pat, "buildkite", "bkua_" + emuCanary, 3, false, false},
}

// start runs the case's emulator over TLS with the valid login.
func (pc provCase) start(t testing.TB, edit ...func(*regemu.Config)) *regemu.Registry {
	t.Helper()
	cfg := regemu.Config{Flavor: pc.flavor, Username: pc.user, Password: pc.pass, TLS: true}
	for _, e := range edit {
		e(&cfg)
	}
	r, err := regemu.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func (pc provCase) target(r *regemu.Registry) providers.Target {
	return providers.Target{Provider: pc.provider, URL: r.TargetURL()}
}

// opts trusts the emulator's certificate and allows loopback.
func opts(r *regemu.Registry) providers.Options {
	return providers.Options{AllowLoopback: true, Endpoints: r.Endpoints(), RootCAs: r.CertPool()}
}

func (pc provCase) good() credentials.Credential { return pc.cred(pc.user, pc.pass) }

func (pc provCase) bad() credentials.Credential { return pc.cred(pc.user, pc.pass+"-wrong") }
