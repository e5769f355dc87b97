package vaultenv

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	if c := FromEnv(env(nil)); c.Store != DefaultStore || c.Keysets != DefaultKeysets {
		t.Fatalf("defaults: %+v", c)
	}
	if c := FromEnv(env(map[string]string{EnvStore: "sqlite::memory:", EnvKeysets: "/k"})); c.Store != "sqlite::memory:" || c.Keysets != "/k" {
		t.Fatalf("from env: %+v", c)
	}
}

func TestRootKey(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	for _, tc := range []struct {
		name string
		env  map[string]string
		want error
	}{
		{"none", nil, ErrUnconfigured},
		{"not base64", map[string]string{EnvRootKey: "%%%"}, ErrInvalid},
		{"short", map[string]string{EnvRootKey: base64.StdEncoding.EncodeToString([]byte("short"))}, ErrInvalid},
		{"passphrase without salt", map[string]string{EnvPassphraseFile: "/nonexistent"}, ErrUnconfigured},
		{"good", map[string]string{EnvRootKey: " " + good + "\n"}, nil},
	} {
		_, err := FromEnv(env(tc.env)).RootKey()
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestReadAllCapped(t *testing.T) {
	if b, err := ReadAllCapped(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := ReadAllCapped(strings.NewReader("123456"), 5); !errors.Is(err, ErrInvalid) {
		t.Fatalf("over the cap: %v", err)
	}
}
