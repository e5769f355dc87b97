package local

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tink-crypto/tink-go/v2/aead/subtle"
)

func FuzzOpenKeyset(f *testing.F) {
	e, valid := fuzzEnv(f)
	old, err := e.m.Versions(ctx, "acme")
	if err != nil {
		f.Fatal(err)
	}
	e.rotate(f, "acme")
	if err := e.m.Destroy(ctx, "acme", old[0].KeyID, usageMap{}); err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(e.readFile(f, "acme"))
	f.Add(bytes.Replace(valid, []byte(`"acme"`), []byte(`"acmf"`), 1))
	f.Add(bytes.Replace(valid, []byte(`"keysetInfo"`), []byte(`"keysetinfo"`), 1))
	f.Add(append(bytes.Clone(valid), valid...))
	for _, s := range []string{
		"", "null", "{}", "[]", `"x"`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":{}}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":{"encryptedKeyset":""}}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","destroyed":[2,1],"keyset":{"encryptedKeyset":"AAAA"}}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":null}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":{"encryptedKeyset":"AAAA"},"extra":1}`,
	} {
		f.Add([]byte(s))
	}
	root, err := subtle.NewAESGCM(fuzzRoot)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeKeyset(data, "acme", root)
		if err != nil {
			if !errors.Is(err, ErrBadKeyset) && !errors.Is(err, ErrBadRootKey) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if s.primary == nil || s.primaryKeyID == "" {
			t.Fatal("decoded keyset has no primary")
		}
	})
}

// tempFiles lists the temporary keyset files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if _, ok := tempOrg(e.Name()); ok {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestCrashedWritersTempFilesAreRemoved: a writer SIGKILLed between
// writing its temporary file and renaming it leaves the whole keyset
// there, a version Destroy removes later included. The org's next writer
// removes such files under the lock, before Destroy's write is in place;
// Open removes those of every org whose lock is free, and the legacy
// unnamed ones, but not a file whose org a running writer holds.
func TestCrashedWritersTempFilesAreRemoved(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	e.create(t, "globex")
	first := currentKeyID(t, e.m, "acme")
	e.rotate(t, "acme")
	crashed := e.readFile(t, "acme") // what a crashed Rotate's temporary file holds: first included
	plant := func(name string) {
		if err := os.WriteFile(filepath.Join(e.dir, name), crashed, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	plant(".acme.keyset~1234.tmp")
	if err := e.m.Destroy(context.Background(), "acme", first, usageMap{}); err != nil {
		t.Fatal(err)
	}
	if left := tempFiles(t, e.dir); len(left) != 0 {
		t.Fatalf("after Destroy, temporary files hold the destroyed version: %v", left)
	}

	plant(".acme.keyset~5678.tmp")
	plant(".globex.keyset~5678.tmp")
	plant(".keyset-42.tmp")
	plant(".acme.keyset~x.json") // not a temporary file
	unlock, err := e.m.lockOrg(context.Background(), "globex")
	if err != nil {
		t.Fatal(err)
	}
	mustOpen(t, e.dir, e.root)
	if left := tempFiles(t, e.dir); !slices.Equal(left, []string{".globex.keyset~5678.tmp"}) {
		t.Errorf("after Open with globex locked: temporary files %v, want only globex's", left)
	}
	unlock()
	mustOpen(t, e.dir, e.root)
	if left := tempFiles(t, e.dir); len(left) != 0 {
		t.Errorf("after Open: temporary files %v", left)
	}
	if _, err := os.Stat(filepath.Join(e.dir, ".acme.keyset~x.json")); err != nil {
		t.Errorf("Open removed a file that is not a temporary keyset: %v", err)
	}
}

func TestTempOrg(t *testing.T) {
	for name, want := range map[string]string{".acme.keyset~123.tmp": "acme", ".a.b-c.keyset~1.tmp": "a.b-c", ".keyset-9.tmp": ""} {
		if org, ok := tempOrg(name); !ok || org != want {
			t.Errorf("tempOrg(%q) = %q, %v; want %q", name, org, ok, want)
		}
	}
	for _, name := range []string{"acme.keyset.json", ".acme.keyset.lock", ".acme.keyset~1.json", ".-x.keyset~1.tmp", "..keyset~1.tmp"} {
		if _, ok := tempOrg(name); ok {
			t.Errorf("tempOrg(%q) took it for a temporary keyset file", name)
		}
	}
}
