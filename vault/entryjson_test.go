package vault_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

const entryCanary = "CANARYsecretVALUE0000"

func TestEntryJSON(t *testing.T) {
	t.Parallel()
	var body struct {
		vault.EntryJSON
		Name string `json:"name"`
	}
	in := `{"name":"Acme GHCR","provider":"GHCR","url":"https://ghcr.io",
		"credentials":{"username":"deploy-bot","pat":"` + entryCanary + `"}}`
	if err := json.Unmarshal([]byte(in), &body); err != nil {
		t.Fatal(err)
	}
	e, err := body.Entry()
	if err != nil {
		t.Fatal(err)
	}
	pat, ok := e.Credential.(credentials.UsernamePat)
	if body.Name != "Acme GHCR" || e.Provider != providers.GHCR || e.URL != "https://ghcr.io" || !ok || pat.Pat.Reveal() != entryCanary {
		t.Fatalf("Entry = %+v", e)
	}
}

func TestEntryJSONRefuses(t *testing.T) {
	t.Parallel()
	up := `{"username":"u","password":"` + entryCanary + `"}`
	cases := []struct {
		name, field string
		in          vault.EntryJSON
	}{
		{"no provider", "provider", vault.EntryJSON{Credentials: json.RawMessage(up)}},
		{"unknown provider", "provider", vault.EntryJSON{Provider: "DOCKERHUB", Credentials: json.RawMessage(up)}},
		{"harbor without url", "url", vault.EntryJSON{Provider: "HARBOR", Credentials: json.RawMessage(up)}},
		{"custom without url", "url", vault.EntryJSON{Provider: "CUSTOM", Credentials: json.RawMessage(up)}},
		{"ghcr insecure", "insecure", vault.EntryJSON{Provider: "GHCR", Insecure: true, Credentials: json.RawMessage(up)}},
		{"ecr with a password", "credentials", vault.EntryJSON{Provider: "AWS_ECR", URL: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", Credentials: json.RawMessage(up)}},
		{"harbor anonymous", "credentials", vault.EntryJSON{Provider: "HARBOR", URL: "https://h.example"}},
		{"ghcr null credentials", "credentials", vault.EntryJSON{Provider: "GHCR", Credentials: json.RawMessage("null")}},
		{"docker hub no credentials", "credentials", vault.EntryJSON{Provider: "DOCKER_HUB"}},
		{"unknown credential field", "credentials.passwd", vault.EntryJSON{Provider: "GHCR", Credentials: json.RawMessage(`{"username":"u","passwd":"` + entryCanary + `"}`)}},
		{"credentials not an object", "credentials", vault.EntryJSON{Provider: "GHCR", Credentials: json.RawMessage(`"` + entryCanary + `"`)}},
	}
	for _, c := range cases {
		_, err := c.in.Entry()
		fe, ok := errors.AsType[*credentials.FieldError](err)
		if !ok || fe.Field != c.field {
			t.Errorf("%s: %v, want a FieldError naming %q", c.name, err, c.field)
		}
		if err != nil && strings.Contains(err.Error(), entryCanary) {
			t.Errorf("%s: the error quotes the secret", c.name)
		}
	}
}

func FuzzEntryJSON(f *testing.F) {
	f.Add("GHCR", "https://ghcr.io", `{"username":"u","pat":"`+entryCanary+`"}`, false)
	f.Add("HARBOR", "", `{"robotName":"robot$x","secret":"`+entryCanary+`"}`, true)
	f.Add("AWS_ECR", "", `{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"`+entryCanary+`","region":"eu-west-1"}`, false)
	f.Add("DOCKER_HUB", "", `null`, false)
	f.Fuzz(func(t *testing.T, provider, url, creds string, insecure bool) {
		e, err := vault.EntryJSON{Provider: provider, URL: url, Credentials: json.RawMessage(creds), Insecure: insecure}.Entry()
		if err == nil {
			if e.Credential == nil || e.Target().Validate(e.Credential) != nil {
				t.Fatal("Entry returned an entry Put would refuse")
			}
			return
		}
		if _, ok := errors.AsType[*credentials.FieldError](err); !ok {
			t.Fatalf("error is not a FieldError: %v", err)
		}
		if strings.Contains(err.Error(), entryCanary) {
			t.Fatal("the error quotes the secret")
		}
	})
}
