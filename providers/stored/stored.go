// Package stored tests a connection with a credential sealed in a
// [vault.Vault], without handing the credential to the caller.
//
// It sits apart from package providers so that providers depends on
// credentials only, as the design's dependency rule says, while this
// bridge imports both providers and vault.
package stored

import (
	"context"
	"errors"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// Test tests the credential stored at k without handing it to the
// caller. The target (provider, URL, insecure flag, robot prefix and CA
// bundle) comes only from the stored entry, which vault.Open
// authenticates: they are bound to the ciphertext, so a row rewritten to
// point the credential at another URL, or to trust another CA, fails to
// open and no request is sent. There is deliberately no way to
// pass another URL: a caller-chosen URL would send stored credentials
// wherever it points (HarborGuard #23463).
//
// For the same reason opts may not carry Endpoints, which
// would redirect the sealed URL's requests elsewhere: such a call is
// providers.StatusInvalidConfig and sends nothing. A registry behind a
// private CA needs no opts.RootCAs: seal its CA bundle in the entry
// (vault.Entry.CABundle), which is trusted besides the system roots for
// that record only. opts.RootCAs, when set, should come from
// configuration, not from whoever asks for the test; it replaces the
// system roots.
//
// A missing record is providers.StatusNotFound; one that cannot be
// opened is providers.StatusInvalidConfig (tampered or undecryptable: the
// Message says which, never the secret). Neither sends a request.
// Otherwise the Result is providers.TestConnection's.
func Test(ctx context.Context, v *vault.Vault, k vault.Key, opts providers.Options) providers.Result {
	if len(opts.Endpoints) > 0 {
		return providers.Result{Status: providers.StatusInvalidConfig,
			Message: "a stored record is tested only at its sealed URL: Options.Endpoints is refused"}
	}
	e, _, err := v.Open(ctx, k)
	if err != nil {
		st := providers.StatusInvalidConfig
		if errors.Is(err, vault.ErrNotFound) {
			st = providers.StatusNotFound
		}
		return providers.Result{Status: st, Message: storedMessage(k, err)}
	}
	return providers.TestConnection(ctx, e.Target(), e.Credential, opts)
}

// storedMessage explains why the record did not open. The vault's errors
// carry no secret, but only the sentinel's text is used.
func storedMessage(k vault.Key, err error) string {
	switch {
	case errors.Is(err, vault.ErrNotFound):
		return "no stored record " + k.String()
	case errors.Is(err, vault.ErrCorrupt):
		return "stored record " + k.String() + " failed authentication (provider, URL or insecure flag changed, or corrupt); nothing was sent"
	case errors.Is(err, kek.ErrInvalidName):
		return "invalid record key"
	}
	return "stored record " + k.String() + " could not be opened"
}
