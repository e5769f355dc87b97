package gocloud

import (
	"context"
	"net/url"

	"github.com/credvault/credvault/kek"
)

// Schemes are the URL schemes this package registers with
// kek.RegisterScheme, so kek.Open and the kek resolvers reach them:
// gocloud's GCP KMS, Azure Key Vault, HashiCorp Vault and local
// (base64key) keepers.
//
// "awskms" is not among them: kek/awskms owns that scheme in kek.Open, with
// server-side rewrap and EncryptionContext labels. gocloud's own awskms
// driver is still reachable by calling this package's Open directly with
// an awskms:// URL (after importing gocloud.dev/secrets/awskms).
//
// Registering a scheme here does not register gocloud's driver for it: the
// application still blank-imports the drivers it uses (see the package
// documentation), or opening fails with kek.ErrInvalidInput.
var Schemes = []string{"gcpkms", "azurekeyvault", "hashivault", base64KeyScheme}

func init() {
	for _, s := range Schemes {
		kek.RegisterScheme(s, openURL)
	}
}

// openURL adapts Open to kek.Opener. Open's errors never quote the URL.
func openURL(ctx context.Context, u *url.URL) (kek.KEK, error) {
	k, err := Open(ctx, u.String())
	if err != nil {
		return nil, err
	}
	return k, nil
}
