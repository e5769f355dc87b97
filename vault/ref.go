package vault

import (
	"strings"

	"github.com/credvault/credvault/kek"
)

// Validate checks that k names an org and a registry under the one rule
// for each: kek.ValidateOrg and kek.ValidateRegistry. It fails with a
// *kek.NameError (kek.ErrInvalidName) naming the field, and does not
// allocate for a valid key.
func (k Key) Validate() error {
	if err := kek.ValidateOrg(k.Org); err != nil {
		return err
	}
	return kek.ValidateRegistry(k.Registry)
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
//
// Errors are *kek.NameError values (kek.ErrInvalidName); the parser reads
// no further than the fifth segment.
func ParseHarnessRef(ref string) (Key, error) {
	const field = "harness reference"
	body, ok := strings.CutSuffix(ref, "/+")
	if !ok {
		return Key{}, &kek.NameError{Field: field, Reason: "missing the /+ suffix"}
	}
	var parts [4]string
	n, ok := splitSegments(body, parts[:])
	if !ok || n < 2 {
		return Key{}, &kek.NameError{Field: field, Reason: "want 2 to 4 path segments before /+"}
	}
	if err := checkSegments(field, parts[:n]); err != nil {
		return Key{}, err
	}
	k := Key{Org: parts[0], Registry: body[len(parts[0])+1:]}
	return k, k.Validate()
}

// ParseBuildkiteRef parses a Buildkite Packages `org/registry` slug pair
// (as in /v2/packages/organizations/{org}/registries/{registry}). It
// shares [ParseHarnessRef]'s key space; see there. Errors are
// *kek.NameError values (kek.ErrInvalidName).
func ParseBuildkiteRef(ref string) (Key, error) {
	const field = "buildkite reference"
	var parts [2]string
	if n, ok := splitSegments(ref, parts[:]); !ok || n != 2 {
		return Key{}, &kek.NameError{Field: field, Reason: "want org/registry"}
	}
	if err := checkSegments(field, parts[:]); err != nil {
		return Key{}, err
	}
	k := Key{Org: parts[0], Registry: parts[1]}
	return k, k.Validate()
}

// splitSegments splits s at '/' into parts and reports how many segments
// it holds, or false if it holds more than len(parts): it stops at the
// first segment too many, so a reference of a million slashes costs
// nothing.
func splitSegments(s string, parts []string) (int, bool) {
	for n := range parts {
		before, after, more := strings.Cut(s, "/")
		parts[n] = before
		if !more {
			return n + 1, true
		}
		s = after
	}
	return 0, false
}

// maxSegmentSize caps a reference's path segment.
const maxSegmentSize = 128

// checkSegments accepts slug-like path segments: letters, digits, '-', '_'
// and '.', not "." or "..".
func checkSegments(what string, parts []string) error {
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || len(p) > maxSegmentSize {
			return &kek.NameError{Field: what, Reason: "a segment is empty, \".\", \"..\" or too long"}
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return &kek.NameError{Field: what, Reason: "a segment has a character outside [A-Za-z0-9._-]"}
			}
		}
	}
	return nil
}
