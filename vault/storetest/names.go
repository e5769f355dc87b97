package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
)

var nameChecks = []check{
	{"ByteWiseOrder", testByteWiseOrder},
	{"NamesAreNotConcatenated", testNamesNotConcatenated},
	{"UnicodeAndLongNames", testUnicodeAndLongNames},
}

// orderNames are names whose byte-wise order differs from case-folded,
// locale-aware or numeric orders.
var orderNames = []string{
	"a", "A", "aa", "a/b", "a+b", "a-b", "a b", "a.b", "a_b", "B", "b", "Z",
	"é", "e", "f", "ß", "日本", "😀", "org456/proj789/registry123", "10", "9",
}

func testByteWiseOrder(t *testing.T, s vault.Store) {
	var recs []vault.Record
	for i, org := range orderNames[:8] {
		for j, reg := range orderNames {
			keyID := []string{"k1", "k2"}[(i+j)%2]
			recs = append(recs, record(org, reg, keyID, org+"|"+reg))
		}
	}
	seed(t, s, recs)
	for _, q := range []vault.Query{{Limit: vault.MaxPageSize}, {Limit: 3}, {KeyID: "k2", Limit: 5}, {Org: "a/b", Limit: 4}} {
		want := keysWhere(recs, q)
		requireTrue(t, slices.IsSortedFunc(want, func(a, b vault.Key) int {
			return strings.Compare(a.Org+"\x00"+a.Registry, b.Org+"\x00"+b.Registry)
		}))
		requireEqual(t, want, collect(t, s, q, len(want)), "query %+v", q)
	}
}

func testNamesNotConcatenated(t *testing.T, s vault.Store) {
	a := record("ab", "c", "k1", "first")
	b := record("a", "bc", "k2", "second")
	c := record("a/b", "c", "k3", "third")
	d := record("a", "b/c", "k4", "fourth")
	recs := []vault.Record{a, b, c, d}
	for i := range recs {
		recs[i].Version = mustPut(t, s, recs[i], 0)
	}
	for _, r := range recs {
		requireStored(t, s, r)
	}
}

func testUnicodeAndLongNames(t *testing.T, s vault.Store) {
	long := record(strings.Repeat("ø", 120), strings.Repeat("proj/", 150)+"registry+日本語", "kek://"+strings.Repeat("k", 300), "long")
	names := []vault.Record{
		record("org456", "org456/proj789/registry123", "k1", "harness"),
		record("account", "account/org/project/+", "k1", "scoped"),
		record("Ünïcödé Org", "レジストリ/😀+🔑", "k1", "unicode"),
		record("org with spaces", "reg with spaces", "k1", "spaces"),
		record("o'rg\"; DROP TABLE x;--", "r%_\\*?", "k1", "sql metacharacters"),
		long,
	}
	for i := range names {
		names[i].Version = mustPut(t, s, names[i], 0)
	}
	for _, r := range names {
		requireStored(t, s, r)
		page, err := s.List(t.Context(), vault.Query{Org: r.Org, KeyID: r.KeyID})
		requireNoError(t, err)
		requireEqual(t, []vault.Key{r.Key}, keysOf(page.Records), "List org %q", r.Org)
	}
	usage, err := s.KeyUsage(t.Context(), long.Org)
	requireNoError(t, err)
	requireEqual(t, map[string]int64{long.KeyID: 1}, usage)
}
