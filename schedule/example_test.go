package schedule_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/schedule"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// A service embeds a Scheduler: here a KEK older than 90 days is rotated,
// its records rewrapped, and the old version retired after a day.
// (A service calls Run(ctx); the example steps an injected clock through
// RunOnce instead.)
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	st := memstore.New()
	v, _ := vault.New(st, keys)
	cred := credentials.UsernamePassword{Username: "bot", Password: credentials.NewSecret("example-password")}
	_, _ = v.Put(ctx, vault.Key{Org: "acme", Registry: "harbor"},
		vault.Entry{Provider: providers.Harbor, URL: "https://harbor.example.com", Credential: cred})

	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := schedule.New(v, schedule.Options{
		Policies: map[string]schedule.Policy{"acme": {
			KEKMaxAge: 90 * 24 * time.Hour, Rewrap: true, Retire: true, RetireGrace: 24 * time.Hour,
		}},
		Keys:  schedule.LocalKeys(keys, st),
		Lease: vault.LeaseOptions{Holder: "replica-1"}, // the store keeps the leases
		Now:   func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, day := range []int{0, 90, 91} {
		now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
		if err := s.RunOnce(ctx); err != nil {
			fmt.Println(err)
			return
		}
		vs, _ := keys.Versions(ctx, "acme")
		usage, _ := v.KeyUsage(ctx, "acme")
		fmt.Printf("day %d: %d versions, records on primary: %v, oldest %s\n", day, len(vs), usage[primary(vs)] == 1, vs[0].Status)
	}
	// Output:
	// day 0: 1 versions, records on primary: true, oldest enabled
	// day 90: 2 versions, records on primary: true, oldest enabled
	// day 91: 2 versions, records on primary: true, oldest disabled
}

// primary returns the primary's key ID.
func primary(vs []local.Version) string {
	for _, v := range vs {
		if v.Primary {
			return v.KeyID
		}
	}
	return ""
}
