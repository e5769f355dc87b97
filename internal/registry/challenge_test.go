package registry_test

import (
	"reflect"
	"testing"

	"github.com/credvault/credvault/internal/registry"
)

func TestParseChallenges(t *testing.T) {
	type ch = registry.Challenge
	p := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		in   string
		want []ch
	}{
		{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"`,
			[]ch{{"bearer", p("realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:samalba/my-app:pull,push")}}},
		{`Basic realm="x", Bearer realm="y",service="z"`, []ch{{"basic", p("realm", "x")}, {"bearer", p("realm", "y", "service", "z")}}},
		{`BASIC realm="Sonatype Nexus Repository Manager"`, []ch{{"basic", p("realm", "Sonatype Nexus Repository Manager")}}},
		{`Bearer realm="a\"b\\c", service=plain`, []ch{{"bearer", p("realm", `a"b\c`, "service", "plain")}}},
		{`Bearer Realm = "spaced" , SERVICE="s"`, []ch{{"bearer", p("realm", "spaced", "service", "s")}}},
		{`Basic`, []ch{{"basic", p()}}},
		{`Basic, Bearer realm="r"`, []ch{{"basic", p()}, {"bearer", p("realm", "r")}}},
		{`Bearer realm="unterminated`, []ch{{"bearer", p("realm", "unterminated")}}},
		{`Bearer realm=`, []ch{{"bearer", p("realm", "")}}},
		{`Bearer "junk", realm="r"`, []ch{{"bearer", p("realm", "r")}}},
		{``, nil},
		{`"`, nil},
		{`, ,`, nil},
	}
	for _, tc := range tests {
		got := registry.ParseChallenges(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseChallenges(%q)\n got  %#v\n want %#v", tc.in, got, tc.want)
		}
	}
}

func TestFindChallenge(t *testing.T) {
	cs := registry.ParseChallenges(`Basic realm="x", Bearer realm="y"`)
	if c, ok := registry.FindChallenge(cs, "BEARER"); !ok || c.Params["realm"] != "y" {
		t.Fatalf("got %#v %v", c, ok)
	}
	if _, ok := registry.FindChallenge(cs, "negotiate"); ok {
		t.Fatal("found a scheme that is absent")
	}
}

// FuzzParseChallenge: no panic, bounded output, lower-case schemes and
// names, and quoting round-trips a realm value.
func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{
		`Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`,
		`Basic realm="x", Bearer realm="y",service="z"`, `BASIC realm="Sonatype"`,
		`Bearer realm="a\"b"`, `Negotiate abc==`, `Bearer realm="`, `,,, =`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		cs := registry.ParseChallenges(h)
		if len(cs) > 16 {
			t.Fatalf("%d challenges", len(cs))
		}
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatal("empty scheme")
			}
			for k := range c.Params {
				if k != toLower(k) {
					t.Fatalf("param %q not lower-cased", k)
				}
			}
		}
	})
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
