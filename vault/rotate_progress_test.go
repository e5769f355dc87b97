package vault_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/vault"
)

// TestRewrapKEKReportsEveryPage: "Progress, when set, is called
// after every page and at the end." A KEK rewrap over records under two
// old key versions lists two pages (one per key ID), and both must be
// reported (the first key ID's last page used to be skipped).
func TestRewrapKEKReportsEveryPage(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			for i := range 6 {
				if i == 3 {
					if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
						t.Fatal(err)
					}
				}
				k := vault.Key{Org: "acme", Registry: fmt.Sprintf("reg-%d", i)}
				c := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret("pw")}
				if _, err := e.v.Put(ctx, k, entry(c)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
				t.Fatal(err)
			}
			v := mustVault(t, form(e.store), e.keys)
			var reports []vault.Progress
			s, err := v.RewrapKEK(ctx, vault.RotateOptions{Org: "acme", PageSize: 10,
				Progress: func(p vault.Progress) { reports = append(reports, p) }})
			if err != nil || s.Done != 6 {
				t.Fatalf("summary %+v, err %v", s.Progress, err)
			}
			if len(reports) < 2 {
				t.Fatalf("two pages rotated, %d progress reports: %+v", len(reports), reports)
			}
		})
	}
}
