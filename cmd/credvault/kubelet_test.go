package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/credprovider"
	"github.com/credvault/credvault/internal/doortest"
	"github.com/credvault/credvault/pull"
)

func kubeletRequest(image string) string {
	return `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"` + image + `"}`
}

// TestKubeletProvider runs the plugin on real request JSON for every
// fixture case; it is also the canary sweep of the plugin's streams.
func TestKubeletProvider(t *testing.T) {
	f := doortest.New(t)
	pullOptions = f.Opts
	t.Cleanup(func() { pullOptions = pull.Options{} })
	for _, tc := range f.Cases {
		if tc.Image == "" {
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"kubelet-credential-provider"}, strings.NewReader(kubeletRequest(tc.Image)), &out, &errOut, f.Getenv)
			if tc.Err != nil {
				if code == exitOK || out.Len() != 0 || doortest.Leaks(errOut.String()) || !strings.Contains(errOut.String(), tc.Host) {
					t.Fatalf("exit %d, want a failure naming %s and no secret\nstdout: %s\nstderr: %s", code, tc.Host, out.String(), errOut.String())
				}
				return
			}
			if code != exitOK || errOut.Len() != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
			}
			var resp struct {
				APIVersion, Kind, CacheKeyType, CacheDuration string
				Auth                                          map[string]struct{ Username, Password string }
			}
			if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			host, _, _ := credprovider.SplitImage(tc.Image)
			key, wantType := host, credprovider.CacheRegistry
			if tc.Prefixed {
				key, wantType = host+"/acme", credprovider.CacheImage
			}
			a, ok := resp.Auth[key]
			if resp.APIVersion != credprovider.APIVersion || resp.Kind != credprovider.KindResponse || resp.CacheKeyType != wantType ||
				len(resp.Auth) != 1 || !ok || a.Username != tc.Username || a.Password == "" || tc.Secret != "" && a.Password != tc.Secret {
				t.Fatalf("response %s/%s %s, auth keys %d, user %q for key %s (secret as stored: %t)",
					resp.APIVersion, resp.Kind, resp.CacheKeyType, len(resp.Auth), a.Username, key, a.Password == tc.Secret)
			}
			if rest := strings.Replace(out.String(), `"password":"`+a.Password+`"`, "", 1); doortest.Leaks(rest) || strings.Contains(rest, a.Password) {
				t.Fatalf("a secret outside the password field: %s", out.String())
			}
			// ECR's 12-hour token: cached for its remaining life less the
			// margin, in whole seconds; static credentials leave it out.
			d, err := time.ParseDuration(resp.CacheDuration)
			switch {
			case !tc.Expires && resp.CacheDuration != "":
				t.Fatalf("cacheDuration %q for a credential that does not expire", resp.CacheDuration)
			case tc.Expires && (err != nil || d <= 11*time.Hour || d > 12*time.Hour-pull.DefaultMargin || d%time.Second != 0):
				t.Fatalf("cacheDuration %q for a 12h token, want its remaining life less %s", resp.CacheDuration, pull.DefaultMargin)
			}
		})
	}
}

func TestKubeletProviderRefusals(t *testing.T) {
	f := doortest.New(t)
	for _, tc := range []struct {
		name, stdin string
		args        []string
		env         func()
		code        int
		msg         string
	}{
		{"bad JSON", `{"apiVersion":`, nil, nil, exitInvalid, "JSON"},
		{"other kind", strings.Replace(kubeletRequest("nginx"), "CredentialProviderRequest", "Other", 1), nil, nil, exitInvalid, "kind"},
		{"bad image", kubeletRequest("https://ghcr.io/x"), nil, nil, exitInvalid, "image"},
		{"no org", kubeletRequest("nginx"), nil, func() { delete(f.Env, "CREDVAULT_ORG") }, exitUsage, "-org"},
		{"argument", kubeletRequest("nginx"), []string{"extra"}, nil, exitUsage, "no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != nil {
				tc.env()
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"kubelet-credential-provider"}, tc.args...), strings.NewReader(tc.stdin), &out, &errOut, f.Getenv)
			if code != tc.code || out.Len() != 0 || !strings.Contains(errOut.String(), tc.msg) {
				t.Fatalf("exit %d, want %d naming %s\nstdout: %s\nstderr: %s", code, tc.code, tc.msg, out.String(), errOut.String())
			}
		})
	}
	// -org overrides CREDVAULT_ORG.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"kubelet-credential-provider", "-org", doortest.Org}, strings.NewReader(kubeletRequest("nginx")), &out, &errOut, f.Getenv); code != exitOK {
		t.Fatalf("-org: exit %d: %s", code, errOut.String())
	}
}

// TestKubeletCacheDuration: the remaining lifetime less the margin, in
// whole seconds; nothing left is "0s", never a sub-second duration
// (kubernetes/cloud-provider-aws#348).
func TestKubeletCacheDuration(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{12 * time.Hour, "11h55m0s"},
		{pull.DefaultMargin + 1500*time.Millisecond, "1s"},
		{pull.DefaultMargin + 999*time.Microsecond, "0s"},
		{pull.DefaultMargin / 2, "0s"},
	} {
		d := cacheDuration(pull.Credential{Secret: credentials.NewSecret("x"), Expires: now.Add(tc.left)}, now)
		if d == nil || d.String() != tc.want {
			t.Errorf("%s left: %v, want %s", tc.left, d, tc.want)
		}
	}
	if d := cacheDuration(pull.Credential{}, now); d != nil {
		t.Errorf("no expiry: %v, want none", d)
	}
}
