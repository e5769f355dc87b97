package vault_test

import (
	"context"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/vault"
)

func TestDEKCacheServesHotRecords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, err := vault.New(e.store, e.keys, vault.WithDEKCache(2, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Put(ctx, ghcr, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if _, _, err := v.Open(ctx, ghcr); err != nil {
			t.Fatal(err)
		}
	}
	s := v.Stats()
	if s.Unwraps != 1 || s.CacheHits != 999 || s.CacheMisses != 1 || s.Wraps != 1 {
		t.Fatalf("stats = %+v, want exactly one unwrap for 1000 opens", s)
	}
	// The size bound evicts the least recently used DEK.
	for _, r := range []string{"b", "c"} {
		k := vault.Key{Org: "acme", Registry: r}
		if _, err := v.Put(ctx, k, entry(fixtures.All(canary)[0])); err != nil {
			t.Fatal(err)
		}
		if _, _, err := v.Open(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if s := v.Stats(); s.CacheSize != 2 {
		t.Fatalf("cache size %d, want 2", s.CacheSize)
	}
	if _, _, err := v.Open(ctx, ghcr); err != nil {
		t.Fatal(err)
	}
	if s := v.Stats(); s.Unwraps != 4 {
		t.Fatalf("evicted record did not go back to the KEK: %+v", s)
	}
	v.PurgeDEKCache()
	if s := v.Stats(); s.CacheSize != 0 {
		t.Fatalf("purge left %d entries", s.CacheSize)
	}
}

func TestDEKCacheExpires(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, _ := vault.New(e.store, e.keys, vault.WithDEKCache(10, time.Minute))
	now := time.Unix(1_700_000_000, 0)
	vault.SetCacheClock(v, func() time.Time { return now })
	if _, err := v.Put(ctx, ghcr, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := v.Open(ctx, ghcr); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(time.Minute)
	if _, _, err := v.Open(ctx, ghcr); err != nil {
		t.Fatal(err)
	}
	if s := v.Stats(); s.Unwraps != 2 || s.CacheHits != 1 {
		t.Fatalf("stats = %+v, want a second unwrap after the TTL", s)
	}
}

func TestDEKCacheDoesNotBypassBinding(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, _ := vault.New(e.store, e.keys, vault.WithDEKCache(10, time.Hour))
	if _, err := v.Put(ctx, ghcr, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	rec, _ := e.store.Get(ctx, ghcr)
	if _, err := v.OpenRecord(ctx, rec); err != nil { // warm the cache
		t.Fatal(err)
	}
	moved := rec
	moved.Registry = "elsewhere"
	if _, err := v.OpenRecord(ctx, moved); err == nil {
		t.Fatal("a moved record opened through the cache")
	}
}

func TestDEKCacheOptionValidated(t *testing.T) {
	e := newEnv(t)
	if _, err := vault.New(e.store, e.keys, vault.WithDEKCache(0, time.Second)); err == nil {
		t.Fatal("size 0 accepted")
	}
}

// TestDEKCacheSweepsExpiredEntries: DEKs nobody opens again are zeroed
// and dropped once expired, not kept until size pressure evicts them.
func TestDEKCacheSweepsExpiredEntries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, _ := vault.New(e.store, e.keys, vault.WithDEKCache(100, time.Minute))
	now := time.Unix(1_700_000_000, 0)
	vault.SetCacheClock(v, func() time.Time { return now })
	for _, r := range []string{"a", "b", "c"} {
		k := vault.Key{Org: "acme", Registry: r}
		if _, err := v.Put(ctx, k, entry(fixtures.All(canary)[0])); err != nil {
			t.Fatal(err)
		}
		if _, _, err := v.Open(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if s := v.Stats(); s.CacheSize != 3 {
		t.Fatalf("cache size %d, want 3", s.CacheSize)
	}
	now = now.Add(2 * time.Minute)
	fresh := vault.Key{Org: "acme", Registry: "fresh"}
	if _, err := v.Put(ctx, fresh, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.Open(ctx, fresh); err != nil { // caching its DEK sweeps the expired ones
		t.Fatal(err)
	}
	if s := v.Stats(); s.CacheSize != 1 {
		t.Fatalf("cache size %d after expiry, want only the fresh entry", s.CacheSize)
	}
}
