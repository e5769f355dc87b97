package vault

import (
	"context"
	"errors"
	"fmt"
)

// A PutOption makes a Put conditional.
type PutOption func(*putConfig)

type putConfig struct {
	expect      int64
	conditional bool
}

// IfVersion makes Put succeed only if the stored record has this version;
// IfVersion(0) means "only if absent". Otherwise Put returns ErrConflict.
func IfVersion(v int64) PutOption {
	return func(c *putConfig) { c.expect, c.conditional = v, true }
}

// Put seals e under a fresh DEK and stores it at k, creating or replacing
// the record. The entry is validated first (see [Vault.Seal]). Without
// options Put replaces whatever is stored (last writer wins, still by
// compare-and-swap so a concurrent rotation is never overwritten with
// stale bytes); with IfVersion it is conditional. On any error the
// previous record is left as it was.
//
// The Description is the stored record's: the store stamps UpdatedAt,
// and Put reads the record back for it. Only when another writer has
// replaced or deleted the record in between does Put describe what it
// wrote with a zero UpdatedAt.
func (v *Vault) Put(ctx context.Context, k Key, e Entry, opts ...PutOption) (Description, error) {
	var cfg putConfig
	for _, o := range opts {
		o(&cfg)
	}
	rec, err := v.Seal(ctx, k, e)
	if err != nil {
		return Description{}, err
	}
	write := func() (err error) {
		expect := cfg.expect
		if !cfg.conditional {
			if expect, err = v.currentVersion(ctx, k); err != nil {
				return err
			}
		}
		rec.Version, err = v.store.Put(ctx, rec, expect)
		return err
	}
	err = write()
	if errors.Is(err, ErrConflict) && !cfg.conditional { // the vault's one retry policy
		err = retryLostCAS(write)
	}
	if err != nil {
		return Description{}, fmt.Errorf("vault: put %s: %w", k, err)
	}
	return v.describe(v.readBack(ctx, rec))
}

// readBack returns the record Put just wrote, as stored (with the store's
// UpdatedAt), or rec itself when another write has replaced it since.
func (v *Vault) readBack(ctx context.Context, rec Record) Record {
	cur, err := v.store.Get(ctx, rec.Key)
	if err != nil || cur.Version != rec.Version {
		return rec
	}
	return cur
}

func (v *Vault) currentVersion(ctx context.Context, k Key) (int64, error) {
	cur, err := v.store.Get(ctx, k)
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("vault: put %s: %w", k, err)
	}
	return cur.Version, nil
}

// Open returns the decrypted entry stored at k and the record's version.
func (v *Vault) Open(ctx context.Context, k Key) (Entry, int64, error) {
	if err := k.Validate(); err != nil {
		return Entry{}, 0, err
	}
	rec, err := v.store.Get(ctx, k)
	if err != nil {
		return Entry{}, 0, fmt.Errorf("vault: open %s: %w", k, err)
	}
	e, err := v.OpenRecord(ctx, rec)
	return e, rec.Version, err
}

// Describe returns the redacted view of the record at k without
// decrypting it. Its fields come from the record header, which only Open
// authenticates: treat them as the row's say-so, like any database column.
func (v *Vault) Describe(ctx context.Context, k Key) (Description, error) {
	if err := k.Validate(); err != nil {
		return Description{}, err
	}
	rec, err := v.store.Get(ctx, k)
	if err != nil {
		return Description{}, fmt.Errorf("vault: describe %s: %w", k, err)
	}
	return v.describe(rec)
}

// Delete removes the record at k; with IfVersion only at that version.
func (v *Vault) Delete(ctx context.Context, k Key, opts ...PutOption) error {
	if err := k.Validate(); err != nil {
		return err
	}
	var cfg putConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.conditional && cfg.expect == 0 {
		return fmt.Errorf("%w: IfVersion(0) makes no sense for Delete", ErrInvalidEntry)
	}
	if err := v.store.Delete(ctx, k, cfg.expect); err != nil {
		return fmt.Errorf("vault: delete %s: %w", k, err)
	}
	return nil
}

// List returns one page of redacted descriptions matching q. A record
// whose header does not parse is reported in the page's errors by key
// rather than failing the whole page.
func (v *Vault) List(ctx context.Context, q Query) (DescriptionPage, error) {
	p, err := v.store.List(ctx, q)
	if err != nil {
		return DescriptionPage{}, fmt.Errorf("vault: list: %w", err)
	}
	out := DescriptionPage{Next: p.Next, More: p.More}
	for _, rec := range p.Records {
		d, err := v.describe(rec)
		if err != nil {
			out.Errors = append(out.Errors, RecordError{Key: rec.Key, Err: err})
			continue
		}
		out.Descriptions = append(out.Descriptions, d)
	}
	return out, nil
}

// A DescriptionPage is one page of List results.
type DescriptionPage struct {
	Descriptions []Description
	Errors       []RecordError
	Next         Key
	More         bool
}

// A RecordError reports a failure for one record.
type RecordError struct {
	Key Key
	Err error
}

// Error returns "org/registry: " followed by the underlying error.
func (e RecordError) Error() string { return e.Key.String() + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e RecordError) Unwrap() error { return e.Err }
