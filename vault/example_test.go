package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// Seal a registry credential from the API's JSON, list its redacted view,
// and open it again.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)

	cred, err := credentials.Parse([]byte(`{"username":"deploy-bot","pat":"ghp_EXAMPLEexampleEXAMPLE"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	k := vault.Key{Org: "acme", Registry: "ghcr-main"}
	if _, err := v.Put(ctx, k, vault.Entry{Provider: "GHCR", URL: "https://ghcr.io", Credential: cred}); err != nil {
		fmt.Println(err)
		return
	}

	d, _ := v.Describe(ctx, k)
	fmt.Printf("%s %s %s %s %+v\n", d.Key, d.Provider, d.URL, d.Kind, d.View)

	e, version, _ := v.Open(ctx, k)
	pat := e.Credential.(credentials.UsernamePat)
	fmt.Println(version == d.Version, pat.Username, pat.Pat) // the PAT prints redacted
	// Output:
	// acme/ghcr-main GHCR https://ghcr.io UsernamePat {Kind:UsernamePat Username:deploy-bot TokenType:github-classic-pat AccessKeyID: Region: RoleArn: TenantID: ClientID: RobotName: ClientEmail: ProjectID:}
	// true deploy-bot [REDACTED]
}

// A moved record does not open: the AAD binds it to its org and registry.
func ExampleVault_OpenRecord_moved() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)

	cred := credentials.UsernamePassword{Username: "bot", Password: credentials.NewSecret("example-password")}
	rec, _ := v.Seal(ctx, vault.Key{Org: "acme", Registry: "a"}, vault.Entry{Provider: "DOCKER_REGISTRY", Credential: cred})
	rec.Registry = "b"
	_, err := v.OpenRecord(ctx, rec)
	fmt.Println(errors.Is(err, vault.ErrCorrupt))
	// Output: true
}

// Keep the outcome of a connection test beside the record, for a GET
// view's health.status and lastSyncAt.
func ExampleVault_RecordHealth() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)
	k := vault.Key{Org: "acme", Registry: "ghcr-main"}
	cred := credentials.UsernamePat{Username: "bot", Pat: credentials.NewSecret("ghp_EXAMPLEexampleEXAMPLE")}
	_, _ = v.Put(ctx, k, vault.Entry{Provider: "GHCR", Credential: cred})

	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	_ = v.RecordHealth(ctx, k, providers.Result{Status: providers.StatusHealthy}, monday)
	_ = v.RecordHealth(ctx, k, providers.Result{Status: providers.StatusAuthFailed, Message: "token revoked"}, monday.Add(time.Hour))

	h, _ := v.Health(ctx, k)
	fmt.Println(h.Status, h.Message, h.CheckedAt.Format(time.Kitchen), h.LastHealthyAt.Format(time.Kitchen))
	// Output:
	// auth_failed token revoked 10:00AM 9:00AM
}

// Decode a HarborGuard POST /api/registries body: the vault's fields are an
// embedded EntryJSON, the API's own fields sit beside it.
func ExampleEntryJSON() {
	body := `{"name":"Acme Harbor","provider":"HARBOR","schedule":"daily",
		"credentials":{"robotName":"robot$ci","secret":"EXAMPLE0000"}}`
	var req struct {
		vault.EntryJSON
		Name     string `json:"name"`
		Schedule string `json:"schedule"`
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		fmt.Println(err)
		return
	}
	_, err := req.Entry()
	if fe, ok := errors.AsType[*credentials.FieldError](err); ok {
		fmt.Println(req.Name, "refused: field", fe.Field)
	}
	req.URL = "https://harbor.acme.example"
	e, err := req.Entry()
	fmt.Println(e.Provider, e.Credential.Kind(), err)
	// Output:
	// Acme Harbor refused: field url
	// HARBOR HarborRobot <nil>
}
