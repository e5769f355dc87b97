package vault_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

func TestHarnessAndBuildkiteRefs(t *testing.T) {
	good := map[string]vault.Key{
		"acc123/registry123/+":                {Org: "acc123", Registry: "registry123"},
		"acc123/org456/registry123/+":         {Org: "acc123", Registry: "org456/registry123"},
		"acc123/org456/proj789/registry123/+": {Org: "acc123", Registry: "org456/proj789/registry123"},
	}
	for in, want := range good {
		got, err := vault.ParseHarnessRef(in)
		if err != nil || got != want {
			t.Errorf("ParseHarnessRef(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"acc123/+", "acc123/registry123", "a/b/c/d/e/+", "acc/../x/+", "acc//x/+", "acc/x y/+", ""} {
		if _, err := vault.ParseHarnessRef(in); !errors.Is(err, kek.ErrInvalidName) {
			t.Errorf("ParseHarnessRef(%q) err = %v", in, err)
		}
	}
	if k, err := vault.ParseBuildkiteRef("my-org/my-registry"); err != nil || k != (vault.Key{Org: "my-org", Registry: "my-registry"}) {
		t.Errorf("ParseBuildkiteRef = %+v, %v", k, err)
	}
	for _, in := range []string{"my-org", "a/b/c", "/x", "a/"} {
		if _, err := vault.ParseBuildkiteRef(in); !errors.Is(err, kek.ErrInvalidName) {
			t.Errorf("ParseBuildkiteRef(%q) err = %v", in, err)
		}
	}
}

// TestParseRefsStopAtTheFirstSegmentTooMany: 10 MiB of "/" used to be
// split into ten million strings (~189 MB) before the count was checked;
// now a parser allocates a small fraction of its input's size.
func TestParseRefsStopAtTheFirstSegmentTooMany(t *testing.T) {
	slashes := strings.Repeat("/", 10<<20)
	for name, parse := range map[string]func(string) (vault.Key, error){
		"harness":   vault.ParseHarnessRef,
		"buildkite": vault.ParseBuildkiteRef,
	} {
		for _, in := range []string{slashes, slashes + "/+", strings.Repeat("a/", 5<<20) + "+"} {
			var err error
			if n := allocatedBytes(func() { _, err = parse(in) }); n > uint64(len(in)/16) {
				t.Errorf("%s: %d bytes allocated for a %d-byte reference", name, n, len(in))
			}
			if !errors.Is(err, kek.ErrInvalidName) {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	}
}

// allocatedBytes reports the bytes the heap allocated while f ran.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestKeyValidate: a Key follows kek's one org rule and one registry
// rule; names every resolver refuses ("acme corp", "été", "-acme") are
// refused by the vault too, before the KEK is resolved or anything is
// written. They used to pass the vault and fail later with a KEK error.
func TestKeyValidate(t *testing.T) {
	for _, k := range []vault.Key{{Org: "acme", Registry: "ghcr"}, {Org: "a.b-c_9", Registry: "org/project/registre été"}} {
		if err := k.Validate(); err != nil {
			t.Errorf("%+v: %v", k, err)
		}
	}
	resolved := 0
	v, err := vault.New(memstore.New(), resolverFunc(func(context.Context, string) (kek.KEK, error) {
		resolved++
		return nil, kek.ErrKeyNotFound
	}))
	if err != nil {
		t.Fatal(err)
	}
	bad := map[vault.Key]string{
		{Org: "acme corp", Registry: "r"}: "org", {Org: "été", Registry: "r"}: "org", {Org: "-acme", Registry: "r"}: "org",
		{Org: "a/b", Registry: "r"}: "org", {Org: "", Registry: "r"}: "org",
		{Org: "acme", Registry: "r\u202e"}: "registry", {Org: "acme", Registry: "r\u0085"}: "registry",
		{Org: "acme", Registry: "r\n"}: "registry", {Org: "acme", Registry: ""}: "registry",
	}
	for k, field := range bad {
		var ne *kek.NameError
		if err := k.Validate(); !errors.As(err, &ne) || ne.Field != field {
			t.Errorf("Validate(%+q) = %v, want a %s *kek.NameError", k, err, field)
		}
		if _, err := v.Put(context.Background(), k, entry(fixtures.All(canary)[0])); !errors.Is(err, kek.ErrInvalidName) {
			t.Errorf("Put(%+q) = %v, want kek.ErrInvalidName", k, err)
		}
	}
	if resolved != 0 {
		t.Fatalf("invalid keys reached the KEK resolver %d times", resolved)
	}
	if n := testing.AllocsPerRun(100, func() { _ = vault.Key{Org: "acme", Registry: "org/ghcr"}.Validate() }); n != 0 {
		t.Fatalf("Validate of a valid key: %v allocations", n)
	}
}

// FuzzParseRefs: the Harness and Buildkite reference parsers never panic,
// fail only with kek.ErrInvalidName, and what they accept is a valid Key that
// spells the reference back (no input is silently rewritten).
func FuzzParseRefs(f *testing.F) {
	for _, s := range []string{"acc123/registry123/+", "acc123/org456/registry123/+", "acc123/org456/proj789/registry123/+",
		"acc123/+", "a/b/c/d/e/+", "acc/../x/+", "acc//x/+", "/+", "+", "", "my-org/my-registry", "a/", "/x", "a/b/c", "\xff/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		if k, err := vault.ParseHarnessRef(ref); err != nil {
			if !errors.Is(err, kek.ErrInvalidName) {
				t.Fatalf("ParseHarnessRef(%q): untyped error %v", ref, err)
			}
		} else if k.Validate() != nil || k.String()+"/+" != ref || strings.Count(k.Registry, "/") > 2 {
			t.Fatalf("ParseHarnessRef(%q) = %+v", ref, k)
		}
		if k, err := vault.ParseBuildkiteRef(ref); err != nil {
			if !errors.Is(err, kek.ErrInvalidName) {
				t.Fatalf("ParseBuildkiteRef(%q): untyped error %v", ref, err)
			}
		} else if k.Validate() != nil || k.String() != ref || strings.Contains(k.Registry, "/") {
			t.Fatalf("ParseBuildkiteRef(%q) = %+v", ref, k)
		}
	})
}
