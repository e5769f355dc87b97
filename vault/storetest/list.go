package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
)

var listChecks = []check{
	{"ListEmpty", testListEmpty},
	{"ListFilters", testListFilters},
	{"ListFields", testListFields},
	{"ListCursorBetweenKeys", testListCursorBetweenKeys},
	{"ListPaging", testListPaging},
}

// pagingRecords is how many records testListPaging pages through.
const pagingRecords = 1053

// effectiveLimit is the page size a store must use for a requested limit.
func effectiveLimit(limit int) int {
	switch {
	case limit <= 0:
		return vault.DefaultPageSize
	case limit > vault.MaxPageSize:
		return vault.MaxPageSize
	}
	return limit
}

// collect pages through q and returns every key listed, checking each
// page's size, cursor and More flag.
func collect(t *testing.T, s vault.Store, q vault.Query, total int) []vault.Key {
	t.Helper()
	size := effectiveLimit(q.Limit)
	var keys []vault.Key
	for pages := 0; ; pages++ {
		requireTrue(t, pages <= total+1, "paging does not terminate")
		page, err := s.List(t.Context(), q)
		requireNoError(t, err, "List %+v", q)
		requireTrue(t, len(page.Records) <= size, "page of %d records exceeds its limit %d", len(page.Records), size)
		for _, r := range page.Records {
			keys = append(keys, r.Key)
		}
		remaining := total - len(keys)
		if !page.More {
			requireTrue(t, remaining == 0, "More is false with %d records left", remaining)
			return keys
		}
		requireLen(t, page.Records, size, "a page followed by More is not full")
		requireEqual(t, page.Records[len(page.Records)-1].Key, page.Next, "Next is not the page's last key")
		requireTrue(t, remaining > 0, "More is true after the last record")
		q.After = page.Next
	}
}

// seed writes recs, each as a new record.
func seed(t *testing.T, s vault.Store, recs []vault.Record) {
	t.Helper()
	for _, r := range recs {
		mustPut(t, s, r, 0)
	}
}

// keysWhere returns the keys of recs (sorted) that match q's filters.
func keysWhere(recs []vault.Record, q vault.Query) []vault.Key {
	var out []vault.Key
	for _, r := range recs {
		if (q.Org == "" || r.Org == q.Org) && (q.KeyID == "" || r.KeyID == q.KeyID) {
			out = append(out, r.Key)
		}
	}
	slices.SortFunc(out, func(a, b vault.Key) int {
		if c := strings.Compare(a.Org, b.Org); c != 0 {
			return c
		}
		return strings.Compare(a.Registry, b.Registry)
	})
	return out
}

func testListEmpty(t *testing.T, s vault.Store) {
	for _, q := range []vault.Query{{}, {Org: "org"}, {KeyID: "k1"}, {Org: "org", KeyID: "k1", Limit: 1}} {
		page, err := s.List(t.Context(), q)
		requireNoError(t, err)
		requireEmpty(t, page.Records, "query %+v", q)
		requireFalse(t, page.More, "query %+v", q)
	}
}

// filterRecords spans three orgs and three key IDs, with orgs sharing
// prefixes so a prefix match would be caught.
var filterRecords = []vault.Record{
	record("acme", "harbor", "k1", "1"),
	record("acme", "ghcr", "k2", "2"),
	record("acme", "ecr", "k1", "3"),
	record("acme-eu", "harbor", "k1", "4"),
	record("acme-eu", "quay", "k3", "5"),
	record("acm", "nexus", "k2", "6"),
	record("beta", "gar", "k1", "7"),
	record("beta", "acr", "k2", "8"),
}

func testListFilters(t *testing.T, s vault.Store) {
	seed(t, s, filterRecords)
	queries := []struct {
		name string
		q    vault.Query
	}{
		{"all", vault.Query{}},
		{"org", vault.Query{Org: "acme"}},
		{"org prefix of others", vault.Query{Org: "acm"}},
		{"org absent", vault.Query{Org: "gamma"}},
		{"key ID across orgs", vault.Query{KeyID: "k1"}},
		{"key ID absent", vault.Query{KeyID: "k9"}},
		{"org and key ID", vault.Query{Org: "acme", KeyID: "k1"}},
		{"org and other key ID", vault.Query{Org: "acme-eu", KeyID: "k2"}},
		{"after, across orgs", vault.Query{After: vault.Key{Org: "acme", Registry: "ghcr"}}},
		{"after in an earlier org", vault.Query{Org: "beta", After: vault.Key{Org: "acme", Registry: "zzz"}}},
		{"after in a later org", vault.Query{Org: "acme", After: vault.Key{Org: "beta", Registry: ""}}},
		{"after with key ID", vault.Query{KeyID: "k1", After: vault.Key{Org: "acme", Registry: "harbor"}}},
	}
	for _, tc := range queries {
		t.Run(tc.name, func(t *testing.T) {
			want := keysWhere(filterRecords, tc.q)
			if tc.q.After != (vault.Key{}) {
				want = slices.DeleteFunc(want, func(k vault.Key) bool { return !keyAfter(k, tc.q.After) })
			}
			got := collect(t, s, tc.q, len(want))
			requireEqual(t, nilIfEmpty(want), nilIfEmpty(got))
		})
	}
}

// keyAfter reports whether k sorts strictly after cursor.
func keyAfter(k, cursor vault.Key) bool {
	if k.Org != cursor.Org {
		return k.Org > cursor.Org
	}
	return k.Registry > cursor.Registry
}

// nilIfEmpty normalizes an empty slice to nil for comparisons.
func nilIfEmpty(keys []vault.Key) []vault.Key {
	if len(keys) == 0 {
		return nil
	}
	return keys
}

func testListFields(t *testing.T, s vault.Store) {
	seed(t, s, filterRecords)
	ghcr := vault.Key{Org: "acme", Registry: "ghcr"}
	v0 := mustGet(t, s, ghcr).Version
	mustPut(t, s, record("acme", "ghcr", "k3", "updated"), v0)
	page, err := s.List(t.Context(), vault.Query{Org: "acme"})
	requireNoError(t, err)
	requireLen(t, page.Records, 3)
	for _, r := range page.Records {
		got := mustGet(t, s, r.Key)
		requireEqual(t, got.Version, r.Version, "%v version", r.Key)
		requireEqual(t, got.KeyID, r.KeyID, "%v key ID", r.Key)
		requireEqual(t, string(got.Envelope), string(r.Envelope), "%v envelope", r.Key)
		requireTrue(t, got.UpdatedAt.Equal(r.UpdatedAt), "%v UpdatedAt: List %v, Get %v", r.Key, r.UpdatedAt, got.UpdatedAt)
	}
	requireEqual(t, v0+1, page.Records[1].Version, "updated record's version")
	requireEqual(t, "updated", string(page.Records[1].Envelope))
}

func testListCursorBetweenKeys(t *testing.T, s vault.Store) {
	seed(t, s, filterRecords)
	page, err := s.List(t.Context(), vault.Query{After: vault.Key{Org: "acme", Registry: "f"}, Limit: 2})
	requireNoError(t, err)
	requireEqual(t, []vault.Key{{Org: "acme", Registry: "ghcr"}, {Org: "acme", Registry: "harbor"}}, keysOf(page.Records))
	requireTrue(t, page.More)
	page, err = s.List(t.Context(), vault.Query{After: vault.Key{Org: "acme-e"}, Limit: 1})
	requireNoError(t, err)
	requireEqual(t, []vault.Key{{Org: "acme-eu", Registry: "harbor"}}, keysOf(page.Records))
	page, err = s.List(t.Context(), vault.Query{After: vault.Key{Org: "zzz"}})
	requireNoError(t, err)
	requireEmpty(t, page.Records)
	requireFalse(t, page.More)
}

// keysOf returns the keys of recs.
func keysOf(recs []vault.Record) []vault.Key {
	keys := make([]vault.Key, 0, len(recs))
	for _, r := range recs {
		keys = append(keys, r.Key)
	}
	return keys
}

// pagingSet returns pagingRecords records over three orgs and two key IDs.
func pagingSet() []vault.Record {
	recs := make([]vault.Record, 0, pagingRecords)
	for i := range pagingRecords {
		org := fmt.Sprintf("org-%d", i%3)
		keyID := []string{"kek-even", "kek-odd"}[i%2]
		recs = append(recs, record(org, fmt.Sprintf("proj%d/registry-%04d", i%7, i), keyID, "env"))
	}
	return recs
}

func testListPaging(t *testing.T, s vault.Store) {
	recs := pagingSet()
	seed(t, s, recs)
	filters := []vault.Query{{}, {Org: "org-1"}, {KeyID: "kek-odd"}, {Org: "org-2", KeyID: "kek-even"}}
	limits := []int{1, 7, 0, -3, 1000, 5000}
	for _, f := range filters {
		for _, limit := range limits {
			q := f
			q.Limit = limit
			t.Run(fmt.Sprintf("org=%q,key=%q,limit=%d", q.Org, q.KeyID, limit), func(t *testing.T) {
				want := keysWhere(recs, q)
				got := collect(t, s, q, len(want))
				requireEqual(t, want, got, "paging omitted, repeated or misordered records")
			})
		}
	}
}
