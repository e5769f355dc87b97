package local

import (
	"context"
	"errors"
	"testing"

	"github.com/credvault/credvault/kek"
)

// TestDestroyCountsRecordsOfEveryOrg: a resolver may map vault org "acme"
// to keyset "acme-prod"; the records then sit under "acme" and must still
// keep acme-prod's versions from being destroyed.
func TestDestroyCountsRecordsOfEveryOrg(t *testing.T) {
	ctx := context.Background()
	root, _ := GenerateRootKey()
	m, err := Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, "acme-prod"); err != nil {
		t.Fatal(err)
	}
	k, _ := m.KEK(ctx, "acme-prod")
	old, _ := k.CurrentKeyID(ctx)
	if _, err := m.Rotate(ctx, "acme-prod"); err != nil {
		t.Fatal(err)
	}
	usage := orgUsage{"acme": {old: 1}} // the vault org differs from the keyset's
	if err := m.Destroy(ctx, "acme-prod", old, usage); !errors.Is(err, kek.ErrKeyInUse) {
		t.Fatalf("Destroy of a version a record still uses: %v", err)
	}
	if err := m.Disable(ctx, "acme-prod", old, usage); !errors.Is(err, kek.ErrKeyInUse) {
		t.Fatalf("Disable of a version a record still uses: %v", err)
	}
}
