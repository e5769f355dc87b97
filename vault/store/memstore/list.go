package memstore

import (
	"context"
	"slices"

	"github.com/credvault/credvault/vault"
)

// List returns one page of records matching q, ordered by (Org, Registry).
func (s *Store) List(ctx context.Context, q vault.Query) (vault.Page, error) {
	p, _, err := s.ListInto(ctx, q, nil, nil)
	return p, err
}

// ListInto implements [vault.PageLister]: it is List, appending to recs
// and copying the envelopes into buf.
func (s *Store) ListInto(ctx context.Context, q vault.Query, recs []vault.Record, buf []byte) (vault.Page, []byte, error) {
	if err := ctx.Err(); err != nil {
		return vault.Page{}, buf, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := &s.all
	if q.KeyID != "" {
		if list = s.byKeyID[q.KeyID]; list == nil {
			return vault.Page{}, buf, nil
		}
	}
	target, strict := q.After, true
	if q.Org != "" && q.Org > q.After.Org {
		target, strict = vault.Key{Org: q.Org}, false // start at the org's first key
	}
	size := q.PageSize()
	var page vault.Page
	recs = slices.Grow(recs[:0], min(size, list.n))
	for e := range list.from(target, strict) {
		if q.Org != "" && e.rec.Org != q.Org {
			break // keys are sorted: no more records of this org
		}
		if len(recs) == size {
			page.More, page.Next = true, recs[size-1].Key
			break
		}
		recs = append(recs, e.rec)
	}
	if len(recs) > 0 {
		page.Records, buf = recs, copyEnvelopes(recs, buf)
	}
	return page, buf, nil
}

// copyEnvelopes replaces the store's envelopes in recs by copies, all in
// buf (grown as needed), each capped at its own end so that appending to
// one cannot reach the next, and returns buf.
func copyEnvelopes(recs []vault.Record, buf []byte) []byte {
	total := 0
	for _, r := range recs {
		total += len(r.Envelope)
	}
	buf = slices.Grow(buf[:0], total)[:total]
	off := 0
	for i := range recs {
		end := off + copy(buf[off:], recs[i].Envelope)
		recs[i].Envelope = buf[off:end:end]
		off = end
	}
	return buf
}
