package memstore

import (
	"context"

	"github.com/credvault/credvault/vault"
)

var _ vault.HealthStore = (*Store)(nil)

// PutHealth implements [vault.HealthStore].
func (s *Store) PutHealth(ctx context.Context, k vault.Key, h vault.Health) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.byKey[k]
	if e == nil {
		return vault.ErrNotFound
	}
	if e.health != nil {
		h = vault.MergeHealth(*e.health, h)
	}
	e.health = &h
	return nil
}

// GetHealth implements [vault.HealthStore].
func (s *Store) GetHealth(ctx context.Context, k vault.Key) (vault.Health, error) {
	if err := ctx.Err(); err != nil {
		return vault.Health{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.byKey[k]
	if e == nil || e.health == nil {
		return vault.Health{}, vault.ErrNotFound
	}
	return *e.health, nil
}

// ListHealth implements [vault.HealthStore]. It costs a binary search
// plus one step per record of org.
func (s *Store) ListHealth(ctx context.Context, org string) (map[string]vault.Health, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]vault.Health)
	for e := range s.all.from(vault.Key{Org: org}, false) {
		if e.rec.Org != org {
			break
		}
		if e.health != nil {
			out[e.rec.Registry] = *e.health
		}
	}
	return out, nil
}
