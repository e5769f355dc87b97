package memstore

import (
	"context"
	"time"

	"github.com/credvault/credvault/vault"
)

var _ vault.Leaser = (*Store)(nil)

// AcquireLease implements [vault.Leaser].
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (vault.Lease, error) {
	if err := ctx.Err(); err != nil {
		return vault.Lease{}, err
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	now := s.now()
	old := s.leases[name]
	if old.Holder != "" && old.Holder != holder && now.Before(old.Expires) {
		return vault.Lease{}, vault.ErrLeaseHeld
	}
	l := vault.Lease{Name: name, Holder: holder, Token: old.Token + 1, Acquired: now, Expires: now.Add(ttl)}
	if s.leases == nil {
		s.leases = make(map[string]vault.Lease)
	}
	s.leases[name] = l
	return l, nil
}

// RenewLease implements [vault.Leaser].
func (s *Store) RenewLease(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error) {
	if err := ctx.Err(); err != nil {
		return vault.Lease{}, err
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	now := s.now()
	cur, ok := s.leases[l.Name]
	if !ok || cur.Holder != l.Holder || cur.Token != l.Token || !now.Before(cur.Expires) {
		return vault.Lease{}, vault.ErrLeaseLost
	}
	cur.Expires = now.Add(ttl)
	s.leases[l.Name] = cur
	return cur, nil
}

// ReleaseLease implements [vault.Leaser].
func (s *Store) ReleaseLease(ctx context.Context, l vault.Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	cur, ok := s.leases[l.Name]
	if ok && cur.Holder == l.Holder && cur.Token == l.Token {
		cur.Expires = s.now()
		s.leases[l.Name] = cur
	}
	return nil
}
