package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
)

// pageListerChecks run against stores that offer vault.PageLister; for the
// others each reports that there was nothing to check.
var pageListerChecks = []check{
	{"ListIntoMatchesList", offering(testListIntoMatchesList)},
	{"ListIntoReusesMemory", offering(testListIntoReuses)},
	{"ListIntoCopiesAndCaps", offering(testListIntoCopiesAndCaps)},
	{"ListIntoContextCancelled", offering(testListIntoCancelled)},
}

// seedVaried writes n records over two orgs and two key IDs, with
// envelopes of varied lengths, and returns them.
func seedVaried(t *testing.T, s vault.Store, n int) []vault.Record {
	t.Helper()
	recs := make([]vault.Record, n)
	for i := range recs {
		org, keyID := []string{"acme", "beta"}[i%2], []string{"k1", "k2"}[i%3%2]
		recs[i] = record(org, fmt.Sprintf("reg-%03d", i), keyID, strings.Repeat(string(rune('a'+i%26)), 1+i*7%90))
	}
	seed(t, s, recs)
	return recs
}

// testListIntoMatchesList pages through several queries with List and
// with ListInto, the latter reusing one page's memory for the next, and
// requires the same pages.
func testListIntoMatchesList(t *testing.T, s vault.Store, pl vault.PageLister) {
	seedVaried(t, s, 61)
	for _, q := range []vault.Query{{Limit: 7}, {Org: "beta", Limit: 5}, {KeyID: "k2", Limit: 4}, {Org: "acme", KeyID: "k1"}} {
		var recs []vault.Record
		var buf []byte
		for pages := 0; ; pages++ {
			requireTrue(t, pages < 62, "paging %+v does not terminate", q)
			want, err := s.List(t.Context(), q)
			requireNoError(t, err, "List %+v", q)
			got, b, err := pl.ListInto(t.Context(), q, recs, buf)
			requireNoError(t, err, "ListInto %+v", q)
			requireEqual(t, want, got, "ListInto %+v, page %d", q, pages)
			if !got.More {
				break
			}
			q.After, recs, buf = got.Next, got.Records, b
		}
	}
}

// testListIntoReuses requires that a page fitting the memory given is
// listed into it, whatever that memory held before.
func testListIntoReuses(t *testing.T, s vault.Store, pl vault.PageLister) {
	seedVaried(t, s, 20)
	recs := make([]vault.Record, 3, 64)
	recs[0] = record("stale", "stale", "stale", "stale")
	buf := []byte(strings.Repeat("#", 8<<10))
	page, b, err := pl.ListInto(t.Context(), vault.Query{Limit: 10}, recs, buf)
	requireNoError(t, err)
	requireLen(t, page.Records, 10)
	requireTrue(t, &page.Records[0] == &recs[:1][0], "the records were not appended to recs[:0]")
	requireTrue(t, &b[0] == &buf[0], "the envelopes were not copied into buf")
	want, err := s.List(t.Context(), vault.Query{Limit: 10})
	requireNoError(t, err)
	requireEqual(t, want, page)
	for _, r := range page.Records {
		requireTrue(t, !strings.Contains(string(r.Envelope), "#"), "envelope %q holds the old buffer's bytes", r.Envelope)
	}
}

// testListIntoCopiesAndCaps requires envelopes that are copies, each
// capped so that appending to one cannot change the next.
func testListIntoCopiesAndCaps(t *testing.T, s vault.Store, pl vault.PageLister) {
	stored := seedVaried(t, s, 5)
	page, _, err := pl.ListInto(t.Context(), vault.Query{Org: "acme"}, nil, make([]byte, 0, 4096))
	requireNoError(t, err)
	requireLen(t, page.Records, 3)
	for _, r := range page.Records {
		requireEqual(t, len(r.Envelope), cap(r.Envelope), "envelope of %s is not capped", r.Key)
	}
	next := string(page.Records[1].Envelope)
	_ = append(page.Records[0].Envelope, "overflow"...)
	requireEqual(t, next, string(page.Records[1].Envelope), "appending to one envelope changed the next")
	scribble(page.Records[0].Envelope)
	requireStored(t, s, vault.Record{Key: stored[0].Key, Version: page.Records[0].Version, KeyID: stored[0].KeyID, Envelope: stored[0].Envelope})
}

func testListIntoCancelled(t *testing.T, s vault.Store, pl vault.PageLister) {
	seedVaried(t, s, 3)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	page, _, err := pl.ListInto(ctx, vault.Query{}, nil, nil)
	requireErrorIs(t, err, ctx.Err())
	requireEmpty(t, page.Records)
}
