package apikey

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

var _ Store = (*MemStore)(nil)

// A MemStore is a [Store] in memory, for tests and single-process tools.
// The zero value is ready to use.
type MemStore struct {
	mu   sync.Mutex
	keys map[string]Record // by Hash.ID
}

// CreateKey implements [Store].
func (m *MemStore) CreateKey(ctx context.Context, rec Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := rec.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[rec.Hash.ID]; ok {
		return ErrExists
	}
	if m.keys == nil {
		m.keys = make(map[string]Record)
	}
	m.keys[rec.Hash.ID] = rec
	return nil
}

// KeyByID implements [Store].
func (m *MemStore) KeyByID(ctx context.Context, id string) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.keys[id]
	if !ok {
		return Record{}, ErrNotFound
	}
	return rec, nil
}

// ListKeys implements [Store].
func (m *MemStore) ListKeys(ctx context.Context, org string) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, rec := range m.keys {
		if rec.Org == org {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Hash.ID, b.Hash.ID))
	})
	return out, nil
}

// RevokeKey implements [Store].
func (m *MemStore) RevokeKey(ctx context.Context, org, id string, at time.Time) error {
	return m.update(ctx, id, func(rec *Record) bool {
		if rec.Org != org {
			return false
		}
		if !rec.Revoked() {
			rec.RevokedAt = at
		}
		return true
	})
}

// TouchKey implements [Store].
func (m *MemStore) TouchKey(ctx context.Context, id string, at time.Time) error {
	return m.update(ctx, id, func(rec *Record) bool {
		if at.After(rec.LastUsedAt) {
			rec.LastUsedAt = at
		}
		return true
	})
}

// update applies fn to the record id under the lock; fn returns false
// when the record is not the caller's, which reads as ErrNotFound.
func (m *MemStore) update(ctx context.Context, id string, fn func(*Record) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.keys[id]
	if !ok || !fn(&rec) {
		return ErrNotFound
	}
	m.keys[id] = rec
	return nil
}
