package vault

import (
	"encoding/json"
	"errors"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
)

// EntryJSON is the vault's part of a registry as the HarborGuard API
// sends it in a POST /api/registries or test-connection body: provider,
// url, credentials (the untagged union [credentials.Parse] reads) and
// insecure. An API embeds it in its own request struct beside the fields
// it keeps itself (name, schedule, ...), decodes the body, then calls
// [EntryJSON.Entry]:
//
//	var body struct {
//		vault.EntryJSON
//		Name string `json:"name"`
//	}
type EntryJSON struct {
	Provider    string          `json:"provider"`
	URL         string          `json:"url,omitempty"`
	Credentials json.RawMessage `json:"credentials,omitempty"`
	Insecure    bool            `json:"insecure,omitempty"`
}

// Entry checks j by the rule [Vault.Put] applies and returns the Entry to
// seal: a known provider, a URL where the provider requires one, and
// credentials (required: the vault seals a credential) of a kind the
// provider accepts. Errors are *[credentials.FieldError] values naming
// the field ("provider", "url", "insecure", "credentials" or
// "credentials.<name>"), never quoting a value.
func (j EntryJSON) Entry() (Entry, error) {
	p, err := providers.ParseProvider(j.Provider)
	if err != nil {
		return Entry{}, err
	}
	var cred credentials.Credential
	if len(j.Credentials) > 0 && string(j.Credentials) != "null" {
		if cred, err = credentials.Parse(j.Credentials); err != nil {
			return Entry{}, underCredentials(err)
		}
	}
	e := Entry{Provider: p, URL: j.URL, Insecure: j.Insecure, Credential: cred}
	if err := validateEntry(e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// underCredentials renames a credentials parse error's field to its
// place in the request body: "password" becomes "credentials.password".
func underCredentials(err error) error {
	fe, ok := errors.AsType[*credentials.FieldError](err)
	if !ok {
		return &credentials.FieldError{Field: "credentials", Reason: "not a credentials object", Err: err}
	}
	field := "credentials"
	if fe.Field != "" {
		field += "." + fe.Field
	}
	return &credentials.FieldError{Field: field, Reason: fe.Reason, Err: fe.Err}
}
