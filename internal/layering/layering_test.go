// Package layering checks the dependency direction DESIGN.md sets:
// credentials and kek import nothing of ours, vault imports credentials,
// kek, providers (for the provider table an entry is validated against)
// and internal packages, providers imports credentials and internal
// packages, so it never imports vault; apikey imports credentials only;
// pull imports credentials, providers and vault (and no core package
// imports pull, since none lists it);
// nothing imports examples or cmd; only vault imports the plaintext codec.
package layering

import (
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/credvault/credvault/"

// allowed lists, per package directory, the module packages its non-test
// files may import; internal/ packages are allowed everywhere below.
var allowed = map[string][]string{
	"credentials": nil,
	"kek":         nil,
	"vault":       {"credentials", "kek", "providers"},
	"providers":   {"credentials"},
	"apikey":      {"credentials"},
	"pull":        {"credentials", "providers", "vault"},
}

func TestDependencyDirection(t *testing.T) {
	root := filepath.Join("..", "..")
	for dir, ok := range allowed {
		p, err := build.ImportDir(filepath.Join(root, dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range p.Imports {
			ours, found := strings.CutPrefix(imp, module)
			if !found || strings.HasPrefix(ours, "internal/") && dir != "credentials" && dir != "kek" {
				continue
			}
			if !slices.Contains(ok, ours) {
				t.Errorf("%s imports %s", dir, ours)
			}
		}
	}
}

func TestNothingImportsExamplesOrCmd(t *testing.T) {
	eachPackage(t, func(rel string, p *build.Package) {
		for _, imp := range append(p.Imports, p.TestImports...) {
			if strings.HasPrefix(imp, module+"examples") || strings.HasPrefix(imp, module+"cmd") {
				t.Errorf("%s imports %s", rel, imp)
			}
		}
	})
}

// TestOnlyTheVaultImportsTheCodec keeps the plaintext codec audited:
// outside tests, only the vault may import internal/credcodec, which
// reads every secret of a credential.
func TestOnlyTheVaultImportsTheCodec(t *testing.T) {
	eachPackage(t, func(rel string, p *build.Package) {
		if slices.Contains(p.Imports, module+"internal/credcodec") && rel != "vault" {
			t.Errorf("%s imports internal/credcodec", rel)
		}
	})
}

// eachPackage calls fn with every buildable package directory of the
// module (its path relative to the root, slash-separated), skipping
// testdata and hidden directories.
func eachPackage(t *testing.T, fn func(rel string, p *build.Package)) {
	t.Helper()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no buildable Go files here
		}
		rel, _ := filepath.Rel(root, path)
		fn(filepath.ToSlash(rel), p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSQLiteLinksNoPostgres: PostgreSQL support registers from its own
// package, so sqlstore and a program using only SQLite (the quickstart)
// link no PostgreSQL driver, while the CLI, which takes any DSN, does.
func TestSQLiteLinksNoPostgres(t *testing.T) {
	for pkg, wantPgx := range map[string]bool{
		"vault/store/sqlstore":       false,
		"examples/quickstart":        false,
		"vault/store/sqlstore/pgsql": true,
		"cmd/credvault":              true,
	} {
		if got := links(t, pkg, "github.com/jackc/pgx"); got != wantPgx {
			t.Errorf("%s links github.com/jackc/pgx: %v, want %v", pkg, got, wantPgx)
		}
	}
}

// TestPullLinksNoContainerRegistry: the go-containerregistry keychain is
// a package of its own, so importers of pull (and the CLI) do not link
// go-containerregistry.
func TestPullLinksNoContainerRegistry(t *testing.T) {
	for pkg, want := range map[string]bool{"pull": false, "cmd/credvault": false, "pull/keychain": true} {
		if got := links(t, pkg, "github.com/google/go-containerregistry"); got != want {
			t.Errorf("%s links go-containerregistry: %v, want %v", pkg, got, want)
		}
	}
}

// TestPullLinksNoCloudSDK: the ECR, ACR and GAR exchanges register from
// their adapter packages, so pull links no cloud SDK until a program
// imports one.
func TestPullLinksNoCloudSDK(t *testing.T) {
	for pkg, want := range map[string]bool{"pull": false, "providers/all": true} {
		for _, sdk := range []string{"github.com/aws/aws-sdk-go-v2", "github.com/Azure/azure-sdk-for-go", "golang.org/x/oauth2/google"} {
			if got := links(t, pkg, sdk); got != want {
				t.Errorf("%s links %s: %v, want %v", pkg, sdk, got, want)
			}
		}
	}
}

// links reports whether the module package pkg depends on a package
// whose path starts with prefix.
func links(t *testing.T, pkg, prefix string) bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", module+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return slices.ContainsFunc(strings.Fields(string(out)), func(d string) bool { return strings.HasPrefix(d, prefix) })
}

// TestLibraryLinksNoOTelSDK: the library records metrics through the
// OpenTelemetry API only; the SDK (what exports them) is the
// application's choice, so no library package links it.
func TestLibraryLinksNoOTelSDK(t *testing.T) {
	args := []string{"list", "-deps"}
	for _, pkg := range []string{"credentials", "kek/local", "vault", "providers", "vault/store/sqlstore"} {
		args = append(args, module+pkg)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, d := range strings.Fields(string(out)) {
		if strings.HasPrefix(d, "go.opentelemetry.io/otel/sdk") {
			t.Errorf("the library links %s", d)
		}
	}
}
