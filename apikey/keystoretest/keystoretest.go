// Package keystoretest is the conformance suite every [apikey.Store]
// passes.
//
//	func TestConformance(t *testing.T) {
//		keystoretest.Run(t, func(t *testing.T) apikey.Store { return new(apikey.MemStore) })
//	}
//
// # What it checks
//
// CreateKey, KeyByID, ListKeys, RevokeKey and TouchKey with their sentinel
// errors; that CreateKey refuses an invalid record or a taken ID and
// writes nothing; that times come back equal (microsecond precision,
// UTC); that one org never revokes another's key; that an issued key is
// never recoverable from anything the store returns; that an
// [apikey.Verifier] on the store accepts the key, refuses a wrong, revoked
// or malformed one and writes LastUsedAt at most once per interval;
// concurrent creations of one ID (exactly one wins) and touches; and
// context cancellation.
//
// The suite never calls t.Parallel: stores backed by one shared server can
// hand each subtest its own schema in newStore.
package keystoretest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/credentials"
)

// A check is one conformance test run against a fresh store.
type check struct {
	name string
	fn   func(t *testing.T, s apikey.Store)
}

// Run runs the conformance suite, one subtest per check, each on a store
// newStore returns. newStore must return an empty store and may register
// cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) apikey.Store) {
	t.Helper()
	checks := []check{
		{"CreateGet", testCreateGet},
		{"CreateRefusesInvalid", testCreateRefusesInvalid},
		{"CreateRefusesTakenID", testCreateRefusesTakenID},
		{"NotFound", testNotFound},
		{"ListKeys", testListKeys},
		{"Revoke", testRevoke},
		{"Touch", testTouch},
		{"NeverRecoverable", testNeverRecoverable},
		{"Verifier", testVerifier},
		{"VerifierTouchInterval", testVerifierTouchInterval},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentTouch", testConcurrentTouch},
		{"Cancelled", testCancelled},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

// base is a fixed, microsecond-precise UTC time.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// record returns a valid record for org with a fresh hash; the key itself
// is dropped.
func record(t *testing.T, org string, role apikey.Role, created time.Time) apikey.Record {
	t.Helper()
	_, h, err := apikey.New("hg_ak_")
	if err != nil {
		t.Fatal(err)
	}
	return apikey.Record{Hash: h, Org: org, Role: role, Label: "label of " + org, CreatedAt: created}
}

func create(t *testing.T, s apikey.Store, rec apikey.Record) {
	t.Helper()
	if err := s.CreateKey(t.Context(), rec); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
}

func get(t *testing.T, s apikey.Store, id string) apikey.Record {
	t.Helper()
	rec, err := s.KeyByID(t.Context(), id)
	if err != nil {
		t.Fatalf("KeyByID: %v", err)
	}
	return rec
}

// same reports whether a and b are equal, times compared with Equal.
func same(a, b apikey.Record) bool {
	return a.Hash == b.Hash && a.Org == b.Org && a.Role == b.Role && a.Label == b.Label &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastUsedAt.Equal(b.LastUsedAt) && a.RevokedAt.Equal(b.RevokedAt)
}

func testCreateGet(t *testing.T, s apikey.Store) {
	full := record(t, "acme", apikey.RoleAdmin, base)
	full.Label = "CI deploy ✓ 'quoted' \"x\""
	full.LastUsedAt = base.Add(time.Hour)
	full.RevokedAt = base.Add(2 * time.Hour)
	bare := record(t, "acme", apikey.RoleViewer, base)
	bare.Label = ""
	for _, want := range []apikey.Record{full, bare} {
		create(t, s, want)
		if got := get(t, s, want.Hash.ID); !same(got, want) {
			t.Errorf("KeyByID = %+v, want %+v", got, want)
		}
	}
}

func testCreateRefusesInvalid(t *testing.T, s apikey.Store) {
	good := record(t, "acme", apikey.RoleDeveloper, base)
	bad := map[string]func(*apikey.Record){
		"apiKeyHash": func(r *apikey.Record) { r.Hash = apikey.Hash{} },
		"org":        func(r *apikey.Record) { r.Org = "" },
		"role":       func(r *apikey.Record) { r.Role = "owner" },
		"label":      func(r *apikey.Record) { r.Label = strings.Repeat("x", apikey.MaxLabelLen+1) },
		"createdAt":  func(r *apikey.Record) { r.CreatedAt = time.Time{} },
	}
	for field, spoil := range bad {
		rec := good
		spoil(&rec)
		err := s.CreateKey(t.Context(), rec)
		var fe *credentials.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("CreateKey with a bad %s: %v, want a FieldError naming it", field, err)
		}
		if rec.Hash.ID != "" {
			if _, err := s.KeyByID(t.Context(), rec.Hash.ID); !errors.Is(err, apikey.ErrNotFound) {
				t.Errorf("after a refused create (%s): KeyByID err = %v, want ErrNotFound", field, err)
			}
		}
	}
}

func testCreateRefusesTakenID(t *testing.T, s apikey.Store) {
	first := record(t, "acme", apikey.RoleViewer, base)
	create(t, s, first)
	second := record(t, "globex", apikey.RoleAdmin, base.Add(time.Second))
	second.Hash.ID = first.Hash.ID
	if err := s.CreateKey(t.Context(), second); !errors.Is(err, apikey.ErrExists) {
		t.Fatalf("CreateKey of a taken ID: %v, want ErrExists", err)
	}
	if got := get(t, s, first.Hash.ID); !same(got, first) {
		t.Fatalf("the first record changed: %+v", got)
	}
}

func testNotFound(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	id := record(t, "acme", apikey.RoleViewer, base).Hash.ID
	if _, err := s.KeyByID(ctx, id); !errors.Is(err, apikey.ErrNotFound) {
		t.Errorf("KeyByID: %v", err)
	}
	if err := s.RevokeKey(ctx, "acme", id, base); !errors.Is(err, apikey.ErrNotFound) {
		t.Errorf("RevokeKey: %v", err)
	}
	if err := s.TouchKey(ctx, id, base); !errors.Is(err, apikey.ErrNotFound) {
		t.Errorf("TouchKey: %v", err)
	}
	if recs, err := s.ListKeys(ctx, "acme"); err != nil || len(recs) != 0 {
		t.Errorf("ListKeys of an empty store: %v, %v", recs, err)
	}
}

func testListKeys(t *testing.T, s apikey.Store) {
	var want []apikey.Record
	for i := range 5 {
		rec := record(t, "acme", apikey.RoleViewer, base.Add(time.Duration(5-i)*time.Second))
		create(t, s, rec)
		want = append([]apikey.Record{rec}, want...) // newest created first, listed last
	}
	create(t, s, record(t, "globex", apikey.RoleAdmin, base))
	if err := s.RevokeKey(t.Context(), "acme", want[2].Hash.ID, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	want[2].RevokedAt = base.Add(time.Minute)
	got, err := s.ListKeys(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListKeys returned %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !same(got[i], want[i]) {
			t.Errorf("ListKeys[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func testRevoke(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	rec := record(t, "acme", apikey.RoleAdmin, base)
	create(t, s, rec)
	if err := s.RevokeKey(ctx, "globex", rec.Hash.ID, base); !errors.Is(err, apikey.ErrNotFound) {
		t.Fatalf("another org's RevokeKey: %v, want ErrNotFound", err)
	}
	if get(t, s, rec.Hash.ID).Revoked() {
		t.Fatal("another org revoked the key")
	}
	first := base.Add(time.Hour)
	for _, at := range []time.Time{first, first.Add(time.Hour)} {
		if err := s.RevokeKey(ctx, "acme", rec.Hash.ID, at); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
	}
	if got := get(t, s, rec.Hash.ID).RevokedAt; !got.Equal(first) {
		t.Fatalf("RevokedAt = %v, want the first revocation %v", got, first)
	}
}

func testTouch(t *testing.T, s apikey.Store) {
	rec := record(t, "acme", apikey.RoleViewer, base)
	create(t, s, rec)
	later := base.Add(time.Hour)
	for _, at := range []time.Time{later, base.Add(time.Minute)} { // an older touch loses
		if err := s.TouchKey(t.Context(), rec.Hash.ID, at); err != nil {
			t.Fatalf("TouchKey: %v", err)
		}
	}
	if got := get(t, s, rec.Hash.ID).LastUsedAt; !got.Equal(later) {
		t.Fatalf("LastUsedAt = %v, want %v", got, later)
	}
}

// testNeverRecoverable issues a key and checks that nothing the store
// returns holds the key or its secret part.
func testNeverRecoverable(t *testing.T, s apikey.Store) {
	key, rec, err := apikey.Issue(t.Context(), s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleAdmin, Label: "once"})
	if err != nil {
		t.Fatal(err)
	}
	plain := key.Reveal()
	secret := plain[strings.LastIndexByte(plain, '_')+1:]
	listed, err := s.ListKeys(t.Context(), "acme")
	if err != nil || len(listed) != 1 {
		t.Fatalf("ListKeys: %v %v", listed, err)
	}
	for _, got := range []apikey.Record{get(t, s, rec.Hash.ID), listed[0]} {
		text := fmt.Sprintf("%+v %v %s", got, got, got.Hash.String())
		if strings.Contains(text, secret) {
			t.Fatal("the store returned the key's secret")
		}
		if !same(got, rec) {
			t.Fatalf("stored %+v, Issue returned %+v", got, rec)
		}
	}
}

func testVerifier(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	v := &apikey.Verifier{Store: s}
	key, rec, err := apikey.Issue(ctx, s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleDeveloper})
	if err != nil {
		t.Fatal(err)
	}
	plain := key.Reveal()
	got, err := v.Verify(ctx, plain)
	if err != nil || got.Org != "acme" || got.Role != apikey.RoleDeveloper || got.Hash != rec.Hash {
		t.Fatalf("Verify of the issued key: %+v, %v", got, err)
	}
	other, _, _ := apikey.New("hg_ak_")
	wrongSecret := plain[:len(plain)-1] + "a"
	if strings.HasSuffix(plain, "a") {
		wrongSecret = plain[:len(plain)-1] + "b"
	}
	for name, k := range map[string]string{
		"malformed": "hg_ak_nope", "empty": "", "unknown": other.Reveal(), "wrong secret": wrongSecret,
	} {
		if _, err := v.Verify(ctx, k); !errors.Is(err, apikey.ErrUnauthorized) {
			t.Errorf("Verify of a %s key: %v, want ErrUnauthorized", name, err)
		}
	}
	if err := s.RevokeKey(ctx, "acme", rec.Hash.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, plain); !errors.Is(err, apikey.ErrUnauthorized) {
		t.Errorf("Verify of a revoked key: %v, want ErrUnauthorized", err)
	}
}

// countingStore counts TouchKey calls.
type countingStore struct {
	apikey.Store
	touches atomic.Int64
}

func (c *countingStore) TouchKey(ctx context.Context, id string, at time.Time) error {
	c.touches.Add(1)
	return c.Store.TouchKey(ctx, id, at)
}

func testVerifierTouchInterval(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	cs := &countingStore{Store: s}
	now := base
	v := &apikey.Verifier{Store: cs, TouchInterval: time.Minute, Now: func() time.Time { return now }}
	key, rec, err := apikey.Issue(ctx, s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		touches int64
	}{{0, 1}, {time.Second, 1}, {58 * time.Second, 1}, {time.Second, 2}, {30 * time.Second, 2}, {time.Hour, 3}}
	for i, st := range steps {
		now = now.Add(st.advance)
		if _, err := v.Verify(ctx, key.Reveal()); err != nil {
			t.Fatal(err)
		}
		if got := cs.touches.Load(); got != st.touches {
			t.Fatalf("step %d: %d touches, want %d", i, got, st.touches)
		}
	}
	if got := get(t, s, rec.Hash.ID).LastUsedAt; !got.Equal(now) {
		t.Fatalf("LastUsedAt = %v, want %v", got, now)
	}
}

func testConcurrentCreate(t *testing.T, s apikey.Store) {
	const n = 8
	recs := make([]apikey.Record, n)
	first := record(t, "acme", apikey.RoleViewer, base)
	for i := range recs {
		recs[i] = first
		recs[i].Label = fmt.Sprint("racer ", i)
	}
	var wins atomic.Int64
	var wg sync.WaitGroup
	for _, rec := range recs {
		wg.Go(func() {
			switch err := s.CreateKey(t.Context(), rec); {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, apikey.ErrExists):
				t.Errorf("CreateKey: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d creations of one ID won, want 1", wins.Load())
	}
}

func testConcurrentTouch(t *testing.T, s apikey.Store) {
	rec := record(t, "acme", apikey.RoleViewer, base)
	create(t, s, rec)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := s.TouchKey(t.Context(), rec.Hash.ID, base.Add(time.Duration(i)*time.Second)); err != nil {
				t.Errorf("TouchKey: %v", err)
			}
		})
	}
	wg.Wait()
	if got := get(t, s, rec.Hash.ID).LastUsedAt; !got.Equal(base.Add(15 * time.Second)) {
		t.Fatalf("LastUsedAt = %v, want the latest touch", got)
	}
}

func testCancelled(t *testing.T, s apikey.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rec := record(t, "acme", apikey.RoleViewer, base)
	if err := s.CreateKey(ctx, rec); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateKey: %v", err)
	}
	if _, err := s.KeyByID(ctx, rec.Hash.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("KeyByID: %v", err)
	}
	if _, err := s.ListKeys(ctx, "acme"); !errors.Is(err, context.Canceled) {
		t.Errorf("ListKeys: %v", err)
	}
	if err := s.RevokeKey(ctx, "acme", rec.Hash.ID, base); !errors.Is(err, context.Canceled) {
		t.Errorf("RevokeKey: %v", err)
	}
	if err := s.TouchKey(ctx, rec.Hash.ID, base); !errors.Is(err, context.Canceled) {
		t.Errorf("TouchKey: %v", err)
	}
	if _, err := s.KeyByID(t.Context(), rec.Hash.ID); !errors.Is(err, apikey.ErrNotFound) {
		t.Errorf("a cancelled CreateKey stored the key: %v", err)
	}
}
