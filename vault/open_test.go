package vault_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// addGolden seals the golden set of a cipher that has no file under
// testdata/golden yet. Existing files are never rewritten: they are the
// records earlier releases sealed, which every later release must open.
var addGolden = flag.Bool("add-golden", false, "seal missing golden record sets into testdata/golden")

const goldenDir = "testdata/golden"

// goldenFile is one cipher's set of records, sealed by the release that
// wrote it under the local keyset in goldenDir/keys.
type goldenFile struct {
	Records []goldenRecord `json:"records"`
}

type goldenRecord struct {
	Registry string `json:"registry"`
	KeyID    string `json:"keyId"`
	Envelope []byte `json:"envelope"`
}

// goldenEntries are the entries every golden set seals, by registry name
// in org "acme".
func goldenEntries() map[string]vault.Entry {
	return map[string]vault.Entry{
		"ghcr": {Provider: "GHCR", URL: "https://ghcr.io",
			Credential: credentials.UsernamePat{Username: "deploy-bot", Pat: credentials.NewSecret("ghp_" + "golden0123456789golden0123456789gold")}},
		"local": {Provider: "DOCKER_REGISTRY", URL: "http://registry.internal:5000", Insecure: true,
			Credential: credentials.UsernamePassword{Username: "dev", Password: credentials.NewSecret("golden-password")}},
		"harbor": {Provider: "HARBOR", URL: "https://harbor.example.com",
			Credential: credentials.HarborRobot{RobotName: "robot$ci", Secret: credentials.NewSecret("golden-robot-secret")}},
	}
}

// goldenCiphers names the golden sets; the file is <name>.json.
var goldenCiphers = map[string]vault.Cipher{
	"xchacha20poly1305": vault.XChaCha20Poly1305,
	"aes256gcm":         vault.AES256GCM,
}

// goldenKeys opens the golden local keyset from a private copy (the
// manager wants owner-only files, which a checkout does not keep).
func goldenKeys(t *testing.T) *local.Manager {
	t.Helper()
	root, err := os.ReadFile(filepath.Join(goldenDir, "rootkey.hex"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(string(root))
	if err != nil {
		t.Fatal(err)
	}
	rk, err := local.RootKeyFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyset, err := os.ReadFile(filepath.Join(goldenDir, "keys", "acme.keyset.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "acme.keyset.json"), keyset, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(dir, rk)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGoldenRecordsOpen opens records sealed by earlier releases, with
// every payload cipher they used: the wire format, the AADs, the
// metadata encoding and the codec must keep reading them.
func TestGoldenRecordsOpen(t *testing.T) {
	if *addGolden {
		sealGolden(t)
	}
	keys := goldenKeys(t)
	want := goldenEntries()
	for name := range goldenCiphers {
		t.Run(name, func(t *testing.T) {
			var f goldenFile
			readJSON(t, filepath.Join(goldenDir, name+".json"), &f)
			if len(f.Records) != len(want) {
				t.Fatalf("%d records, want %d", len(f.Records), len(want))
			}
			st := memstore.New()
			v, err := vault.New(st, keys)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range f.Records {
				checkGolden(t, v, st, r, want[r.Registry])
			}
		})
	}
}

// checkGolden opens and describes one golden record and compares it with
// the entry it was sealed from.
func checkGolden(t *testing.T, v *vault.Vault, st vault.Store, r goldenRecord, want vault.Entry) {
	t.Helper()
	ctx := context.Background()
	rec := vault.Record{Key: vault.Key{Org: "acme", Registry: r.Registry}, KeyID: r.KeyID, Envelope: r.Envelope}
	got, err := v.OpenRecord(ctx, rec)
	if err != nil {
		t.Fatalf("%s: %v", r.Registry, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: opened %#v\nwant %#v", r.Registry, got, want)
	}
	if _, err := st.Put(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	d, err := v.Describe(ctx, rec.Key)
	if err != nil {
		t.Fatal(err)
	}
	if d.Provider != want.Provider || d.URL != want.URL || d.Insecure != want.Insecure ||
		d.View != credentials.Describe(want.Credential) {
		t.Fatalf("%s: description %+v", r.Registry, d)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// sealGolden writes the golden set of every cipher that has none yet,
// creating the keyset on first use.
func sealGolden(t *testing.T) {
	ctx := context.Background()
	keyDir := filepath.Join(goldenDir, "keys")
	if _, err := os.Stat(keyDir); os.IsNotExist(err) {
		createGoldenKeys(t, keyDir)
	}
	keys := goldenKeys(t)
	for name, c := range goldenCiphers {
		path := filepath.Join(goldenDir, name+".json")
		if _, err := os.Stat(path); err == nil {
			continue
		}
		v, err := vault.New(memstore.New(), keys, vault.WithCipher(c))
		if err != nil {
			t.Fatal(err)
		}
		var f goldenFile
		for reg, e := range goldenEntries() {
			rec, err := v.Seal(ctx, vault.Key{Org: "acme", Registry: reg}, e)
			if err != nil {
				t.Fatal(err)
			}
			f.Records = append(f.Records, goldenRecord{Registry: reg, KeyID: rec.KeyID, Envelope: rec.Envelope})
		}
		b, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func createGoldenKeys(t *testing.T, keyDir string) {
	raw := make([]byte, local.RootKeySize)
	rand.Read(raw)
	rk, err := local.RootKeyFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(goldenDir, "rootkey.hex"), []byte(hex.EncodeToString(raw)), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(keyDir, rk)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
}
