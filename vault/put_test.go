package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// TestPutRefusesWhatTheProvidersTableRefuses: Put and Seal validate the
// entry against the providers table, with a typed error naming the
// field, and write nothing.
func TestPutRefusesWhatTheProvidersTableRefuses(t *testing.T) {
	all := fixtures.All(canary)
	up, pat, ecr, robot := all[0], all[1], all[2], all[5]
	cases := []struct {
		name     string
		e        vault.Entry
		field    string
		sentinel error
	}{
		{"unknown provider", vault.Entry{Provider: "FTP_HUB", URL: "https://r.example.com", Credential: up}, "provider", providers.ErrUnknownProvider},
		{"ftp url", vault.Entry{Provider: providers.DockerRegistry, URL: "ftp://r.example.com", Credential: up}, "url", providers.ErrInvalidURL},
		{"kind not accepted", vault.Entry{Provider: providers.GHCR, Credential: ecr}, "credentials", providers.ErrKindNotAccepted},
		{"url required", vault.Entry{Provider: providers.Harbor, Credential: robot}, "url", providers.ErrURLRequired},
		{"CA bundle for a hosted provider", vault.Entry{Provider: providers.GHCR, CABundle: []byte("pem"), Credential: pat}, "caBundle", providers.ErrInsecureNotAllowed},
		{"CA bundle with no certificate", vault.Entry{Provider: providers.Harbor, URL: "https://h.example.com", CABundle: []byte("-----BEGIN CERTIFICATE-----\n"), Credential: robot},
			"caBundle", providers.ErrInvalidURL},
		{"robot outside its prefix", vault.Entry{Provider: providers.Harbor, URL: "https://h.example.com", RobotPrefix: "svc@", Credential: robot},
			"credentials.robotName", providers.ErrInvalidCredentials},
		{"no credential", vault.Entry{Provider: providers.GHCR}, "credentials", nil},
	}
	e := newEnv(t)
	ctx := context.Background()
	before, err := e.v.Put(ctx, ghcr, entry(up))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.v.Put(ctx, ghcr, tc.e)
			// Both FieldError shapes print "<sentinel>: <field>: <reason>".
			if !errors.Is(err, vault.ErrInvalidEntry) || !strings.Contains(err.Error(), ": "+tc.field+": ") ||
				tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want ErrInvalidEntry naming %q", err, tc.field)
			}
			assertNoCanary(t, err)
			if _, err := e.v.Seal(ctx, ghcr, tc.e); !errors.Is(err, vault.ErrInvalidEntry) {
				t.Fatalf("Seal: err = %v", err)
			}
			if d, err := e.v.Describe(ctx, ghcr); err != nil || d.Version != before.Version {
				t.Fatalf("the stored record changed: %+v, %v", d, err)
			}
		})
	}
}

// TestPutDescribesTheStoredRecord: Put's Description is the stored
// record's, UpdatedAt included, on every store.
func TestPutDescribesTheStoredRecord(t *testing.T) {
	sql, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "put.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sql.Close() })
	for name, st := range map[string]vault.Store{"memstore": memstore.New(), "sqlstore": sql} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			v, err := vault.New(st, e.keys)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for range 2 { // create, then replace
				d, err := v.Put(ctx, ghcr, harborEntry())
				if err != nil {
					t.Fatal(err)
				}
				got, err := v.Describe(ctx, ghcr)
				if err != nil {
					t.Fatal(err)
				}
				if d.UpdatedAt.IsZero() || !d.UpdatedAt.Equal(got.UpdatedAt) {
					t.Fatalf("Put's UpdatedAt %v, stored %v", d.UpdatedAt, got.UpdatedAt)
				}
				if !reflect.DeepEqual(d, got) {
					t.Fatalf("Put describes %+v, Describe %+v", d, got)
				}
			}
		})
	}
}

// harborEntry uses every field of an entry.
func harborEntry() vault.Entry {
	return vault.Entry{Provider: providers.Harbor, URL: "https://harbor.example.com", Insecure: true,
		RobotPrefix: "svc@", CABundle: fixtures.CACertPEM(),
		Credential: credentials.HarborRobot{RobotName: "svc@library+ci", Secret: credentials.NewSecret("hbr-" + canary)}}
}

// TestLargestCABundleSeals: a bundle at the cap fits a record; one byte
// more is refused, naming the field.
func TestLargestCABundleSeals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := harborEntry()
	in.URL = "https://" + strings.Repeat("h", 63) + "." + strings.Repeat("a", 63) + ".example.com/" + strings.Repeat("p", 1800)
	in.CABundle = append(in.CABundle, make([]byte, vault.MaxCABundleSize-len(in.CABundle))...) // a real certificate, then padding
	if _, err := e.v.Put(ctx, ghcr, in); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.v.Open(ctx, ghcr)
	if err != nil || len(got.CABundle) != vault.MaxCABundleSize {
		t.Fatalf("opened a %d-byte bundle, %v", len(got.CABundle), err)
	}
	in.CABundle = append(in.CABundle, 0)
	if _, err := e.v.Put(ctx, ghcr, in); !errors.Is(err, vault.ErrInvalidEntry) || !strings.Contains(err.Error(), ": caBundle: ") {
		t.Fatalf("err = %v", err)
	}
}

// TestDescriptionJSONNames: a Description marshals with the camelCase
// names of its View.
func TestDescriptionJSONNames(t *testing.T) {
	e := newEnv(t)
	d, err := e.v.Put(context.Background(), ghcr, harborEntry())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"org", "registry", "version", "provider", "url", "insecure", "robotPrefix", "caBundle",
		"kind", "view", "keyId", "updatedAt"}
	if len(got) != len(want) {
		t.Fatalf("JSON %s, want exactly the keys %v", b, want)
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Fatalf("JSON %s has no %q", b, k)
		}
	}
	if got["view"].(map[string]any)["robotName"] != "svc@library+ci" {
		t.Fatalf("view: %s", b)
	}
}

// TestEntryFieldsRoundTripAndBind: the robot prefix and CA bundle open
// as sealed and, like the URL, are bound to the ciphertext.
func TestEntryFieldsRoundTripAndBind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := harborEntry()
	if _, err := e.v.Put(ctx, ghcr, in); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.v.Open(ctx, ghcr)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("opened %+v, %v; want %+v", got, err, in)
	}
	rec, _ := e.store.Get(ctx, ghcr)
	for _, swap := range [][2]string{{"svc@", "svc#"}, {"BEGIN CERTIFICATE", "BEGIN CERTIFICATF"}} {
		mustFail(t, e, reseal(t, rec, func(x *envelope.Envelope) {
			x.Meta = []byte(strings.Replace(string(x.Meta), swap[0], swap[1], 1))
		}), vault.ErrCorrupt)
	}
}

// TestRecordsSealedBeforeValidationKeepOpening: validation applies to new
// writes only. A record an earlier release sealed with an entry today's
// providers table refuses opens and describes as it was sealed.
func TestRecordsSealedBeforeValidationKeepOpening(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := vault.Entry{Provider: "FTP_HUB", URL: "ftp://r.example.com", Credential: fixtures.All(canary)[0]}
	if _, err := e.v.Seal(ctx, ghcr, old); !errors.Is(err, vault.ErrInvalidEntry) {
		t.Fatalf("today's rules accept the entry: the test proves nothing (%v)", err)
	}
	rec, err := vault.SealEncoded(ctx, e.v, ghcr, old, credentials.Describe(old.Credential), encodeUsernamePassword("deploy-bot", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Put(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.v.Open(ctx, ghcr)
	if err != nil || got.Provider != old.Provider || got.URL != old.URL {
		t.Fatalf("opened %+v, %v", got, err)
	}
	if d, err := e.v.Describe(ctx, ghcr); err != nil || d.Provider != old.Provider {
		t.Fatalf("described %+v, %v", d, err)
	}
}
