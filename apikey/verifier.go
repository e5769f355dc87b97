package apikey

import (
	"context"
	"errors"
	"time"
)

// DefaultTouchInterval is how stale a key's LastUsedAt may get before a
// [Verifier] writes a new one.
const DefaultTouchInterval = time.Minute

// A Verifier checks presented keys against a [Store]: it finds the record
// by the key's lookup ID, compares hashes in constant time with [Verify],
// refuses revoked keys and keeps LastUsedAt current. It writes LastUsedAt
// at most once per TouchInterval per key, so verification is a read on
// all but a few requests.
type Verifier struct {
	// Store holds the records.
	Store Store
	// TouchInterval bounds how stale LastUsedAt may get; zero means
	// DefaultTouchInterval.
	TouchInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Verify returns the record of presented, a key as a client sent it. A
// malformed, unknown, wrong or revoked key fails with ErrUnauthorized;
// other errors are the Store's (a database that is down is not a bad
// key). The returned record's LastUsedAt is as stored before this call.
func (v *Verifier) Verify(ctx context.Context, presented string) (Record, error) {
	id, ok := LookupID(presented)
	if !ok {
		return Record{}, ErrUnauthorized
	}
	rec, err := v.Store.KeyByID(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return Record{}, ErrUnauthorized
	case err != nil:
		return Record{}, err
	case !Verify(rec.Hash, presented) || rec.Revoked():
		return Record{}, ErrUnauthorized
	}
	return rec, v.touch(ctx, rec)
}

// touch records a use of rec unless its LastUsedAt is recent enough.
func (v *Verifier) touch(ctx context.Context, rec Record) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	every := v.TouchInterval
	if every <= 0 {
		every = DefaultTouchInterval
	}
	at := now().UTC().Truncate(time.Microsecond)
	if !rec.LastUsedAt.IsZero() && at.Sub(rec.LastUsedAt) < every {
		return nil
	}
	return v.Store.TouchKey(ctx, rec.Hash.ID, at)
}
