package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/credvault/credvault/internal/doortest"
	"github.com/credvault/credvault/pull"
)

// get runs the helper's get for server and returns its exit code and
// outputs.
func helperRun(f *doortest.Fixture, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := serve(args, strings.NewReader(stdin), &out, &errOut, f.Getenv, f.Opts)
	return code, out.String(), errOut.String()
}

// TestHelperGet is also the canary sweep: a stored secret appears only as
// the Secret of the one answer due, never in an error, on either stream.
func TestHelperGet(t *testing.T) {
	f := doortest.New(t)
	for _, tc := range f.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			code, out, errOut := helperRun(f, tc.Server+"\n", "get")
			if tc.Err != nil {
				if code != 1 || doortest.Leaks(out+errOut) {
					t.Fatalf("exit %d, want 1, and no secret:\nstdout: %s\nstderr: %s", code, out, errOut)
				}
				wantFailure(t, tc.Err, tc.Host, out, errOut)
				return
			}
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			var c credentials.Credentials
			if err := json.Unmarshal([]byte(out), &c); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if c.ServerURL != tc.Server || c.Username != tc.Username || c.Secret == "" || tc.Secret != "" && c.Secret != tc.Secret {
				t.Fatalf("got %s/%s for %s (secret as stored: %t)", c.ServerURL, c.Username, tc.Server, c.Secret == tc.Secret)
			}
			if rest := strings.Replace(out, `"Secret":"`+c.Secret+`"`, "", 1); doortest.Leaks(rest) || strings.Contains(rest, c.Secret) {
				t.Fatalf("a secret outside the Secret field: %s", out)
			}
		})
	}
}

// wantFailure checks a refused get's messages: docker's "not found" on
// stdout for a host no record serves (detail, naming the host, on
// stderr); otherwise the error itself on stdout.
func wantFailure(t *testing.T, sentinel error, host, out, errOut string) {
	t.Helper()
	notFound := credentials.IsErrCredentialsNotFoundMessage(out)
	if errors.Is(sentinel, pull.ErrNoMatch) != notFound {
		t.Fatalf("not-found message %t for %v: %s", notFound, sentinel, out)
	}
	msg := out
	if notFound {
		msg = errOut
	}
	if !strings.Contains(msg, host) {
		t.Fatalf("message does not name the host %s: %q", host, msg)
	}
}

func TestHelperRefusesWrites(t *testing.T) {
	f := doortest.New(t)
	for _, action := range []string{"store", "erase"} {
		// stdin is never read: a reader that fails proves it.
		var out, errOut bytes.Buffer
		code := serve([]string{action}, failingReader{t}, &out, &errOut, f.Getenv, f.Opts)
		if code != 1 || !strings.Contains(out.String(), action+" refused") || !strings.Contains(out.String(), "credvault put") {
			t.Errorf("%s: exit %d: %s%s", action, code, out.String(), errOut.String())
		}
	}
}

type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("stdin read")
	return 0, errors.New("stdin read")
}

func TestHelperList(t *testing.T) {
	f := doortest.New(t)
	code, out, errOut := helperRun(f, "", "list")
	if code != 0 || doortest.Leaks(out+errOut) {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for host, user := range map[string]string{"docker.io": "hubuser", "ghcr.io/acme": "bot", "registry.example.com:5443": "deploy"} {
		if m[host] != user {
			t.Errorf("list: %s -> %q, want %q (%v)", host, m[host], user, m)
		}
	}
	for _, left := range []string{"broken.example.com", "europe-west1-docker.pkg.dev/p/r"} {
		if _, ok := m[left]; ok || !strings.Contains(errOut, left+" left out") {
			t.Errorf("list: a failing record %s is not left out and named: %v\n%s", left, m, errOut)
		}
	}
}

func TestHelperConfiguration(t *testing.T) {
	f := doortest.New(t)
	delete(f.Env, envOrg)
	if code, out, _ := helperRun(f, "ghcr.io", "get"); code != 1 || !strings.Contains(out, envOrg) {
		t.Errorf("no org: exit %d: %s", code, out)
	}
	f = doortest.New(t)
	delete(f.Env, "CREDVAULT_ROOT_KEY")
	if code, out, _ := helperRun(f, "ghcr.io", "get"); code != 1 || !strings.Contains(out, "no root key") {
		t.Errorf("no root key: exit %d: %s", code, out)
	}
	for _, args := range [][]string{{}, {"get", "extra"}} {
		if code, out, _ := helperRun(f, "", args...); code != 1 || !strings.Contains(out, "Usage") {
			t.Errorf("%v: exit %d: %s", args, code, out)
		}
	}
	if code, out, _ := helperRun(f, "", "version"); code != 0 || !strings.Contains(out, "docker-credential-credvault") {
		t.Errorf("version: exit %d: %s", code, out)
	}
}

func TestSplitServerURL(t *testing.T) {
	for in, want := range map[string][2]string{
		"https://index.docker.io/v1/": {"https://index.docker.io", ""},
		"ghcr.io":                     {"ghcr.io", ""},
		"ghcr.io/acme/":               {"ghcr.io", "acme"},
		"localhost:5000":              {"localhost:5000", ""},
		"https://ghcr.io/v2/":         {"https://ghcr.io", ""},
		"http://r.local:5000/team":    {"http://r.local:5000", "team"},
	} {
		if s, r := splitServerURL(in); s != want[0] || r != want[1] {
			t.Errorf("splitServerURL(%q) = %q, %q; want %q", in, s, r, want)
		}
	}
}

func FuzzSplitServerURL(f *testing.F) {
	for _, s := range []string{"https://index.docker.io/v1/", "ghcr.io/acme", "localhost:5000", "http://r:1/x/", "://", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		server, repo := splitServerURL(s)
		if strings.HasPrefix(repo, "/") || strings.HasSuffix(repo, "/") || len(server)+len(repo) > len(s) {
			t.Fatalf("splitServerURL(%q) = %q, %q", s, server, repo)
		}
	})
}
