package vault

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidKey: an org or registry name is empty, too long or malformed.
var ErrInvalidKey = errors.New("vault: invalid record key")

// Name caps.
const (
	MaxOrgSize      = 128
	MaxRegistrySize = 512
)

// Validate checks that k names an org and a registry: non-empty, valid
// UTF-8 without control characters, within the size caps. The org may not
// contain '/'; a registry may (Harness scope paths do).
func (k Key) Validate() error {
	if err := checkName("org", k.Org, MaxOrgSize); err != nil {
		return err
	}
	if strings.Contains(k.Org, "/") {
		return fmt.Errorf("%w: org: contains '/'", ErrInvalidKey)
	}
	return checkName("registry", k.Registry, MaxRegistrySize)
}

func checkName(field, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: %s: empty", ErrInvalidKey, field)
	case len(s) > max:
		return fmt.Errorf("%w: %s: longer than %d bytes", ErrInvalidKey, field, max)
	case printableASCII(s):
		return nil
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s: not valid UTF-8", ErrInvalidKey, field)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s: contains a control character", ErrInvalidKey, field)
		}
	}
	return nil
}

// String returns "org/registry".
func (k Key) String() string { return k.Org + "/" + k.Registry }

// ParseHarnessRef parses a Harness Artifact Registry reference
// (`account/registry/+`, `account/org/registry/+` or
// `account/org/project/registry/+`, the `/+` suffix required as the API
// documents it) into a Key. The Harness account owns the KEK, so it becomes
// the Org; the rest of the path, without the suffix, is the Registry.
//
// The two parsers share one key space: Harness `acme/images/+` and
// Buildkite `acme/images` are the same Key, and the same org's KEK. A
// service holding registries of both products keeps them in separate
// vaults (a Store and a KEK resolver each), or the two tenants named
// acme would overwrite each other's records.
func ParseHarnessRef(ref string) (Key, error) {
	body, ok := strings.CutSuffix(ref, "/+")
	if !ok {
		return Key{}, fmt.Errorf("%w: harness reference: missing the /+ suffix", ErrInvalidKey)
	}
	parts := strings.Split(body, "/")
	if len(parts) < 2 || len(parts) > 4 {
		return Key{}, fmt.Errorf("%w: harness reference: want 2 to 4 path segments before /+, got %d", ErrInvalidKey, len(parts))
	}
	if err := checkSegments("harness reference", parts); err != nil {
		return Key{}, err
	}
	k := Key{Org: parts[0], Registry: strings.Join(parts[1:], "/")}
	return k, k.Validate()
}

// ParseBuildkiteRef parses a Buildkite Packages `org/registry` slug pair
// (as in /v2/packages/organizations/{org}/registries/{registry}). It
// shares [ParseHarnessRef]'s key space; see there.
func ParseBuildkiteRef(ref string) (Key, error) {
	parts := strings.Split(ref, "/")
	if len(parts) != 2 {
		return Key{}, fmt.Errorf("%w: buildkite reference: want org/registry", ErrInvalidKey)
	}
	if err := checkSegments("buildkite reference", parts); err != nil {
		return Key{}, err
	}
	k := Key{Org: parts[0], Registry: parts[1]}
	return k, k.Validate()
}

// checkSegments accepts slug-like path segments: letters, digits, '-', '_'
// and '.', not "." or "..".
func checkSegments(what string, parts []string) error {
	for i, p := range parts {
		if p == "" || p == "." || p == ".." || len(p) > 128 {
			return fmt.Errorf("%w: %s: segment %d is empty or invalid", ErrInvalidKey, what, i+1)
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return fmt.Errorf("%w: %s: segment %d has a character outside [A-Za-z0-9._-]", ErrInvalidKey, what, i+1)
			}
		}
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
