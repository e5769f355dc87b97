package vault

import (
	"context"
	"time"

	"github.com/credvault/credvault/credentials"
)

// SetCacheClock replaces the DEK cache's clock, for TTL tests.
func SetCacheClock(v *Vault, now func() time.Time) { v.cache.now = now }

// SealEncoded seals pt as the canonical encoding of a credential of
// view's kind, with e's provider, URL and insecure flag and view as the
// record's metadata, validating none of it: a record as a release with
// looser field rules sealed it.
func SealEncoded(ctx context.Context, v *Vault, k Key, e Entry, view credentials.View, pt []byte) (Record, error) {
	kk, err := v.keys.KEK(ctx, k.Org)
	if err != nil {
		return Record{}, err
	}
	s := getScratch()
	defer s.release()
	meta, err := appendMeta(s.hdr[:0], e, &view)
	if err != nil {
		return Record{}, err
	}
	return v.sealEncoded(ctx, kk, k, s, string(view.Kind), meta, pt)
}

// AdaptStore returns s as a rotation job writes and lists it: a
// BatchPutter and a PageLister, adapted where s is not one.
func AdaptStore(s Store, workers int) Store { return adaptStore(s, workers) }
