package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credvault/credvault/providers"
)

// ErrNoHealthStore: the vault's store keeps no health results (it does
// not implement [HealthStore]). It wraps errors.ErrUnsupported.
var ErrNoHealthStore = fmt.Errorf("vault: the store keeps no health results: %w", errors.ErrUnsupported)

// MaxHealthMessage bounds a stored health message, in bytes; RecordHealth
// cuts a longer one at a character boundary.
const MaxHealthMessage = 1024

// Health is the stored outcome of a record's latest connection test, for
// a GET view's health.status and lastSyncAt. It is not secret: its
// Message comes from a [providers.Result], which never carries one.
type Health struct {
	// Status of the latest check.
	Status providers.Status `json:"status"`
	// Message of the latest check, at most MaxHealthMessage bytes.
	Message string `json:"message,omitempty"`
	// CheckedAt is when the latest check ran.
	CheckedAt time.Time `json:"checkedAt"`
	// LastHealthyAt is when a check last found the registry healthy; zero
	// if none ever did.
	LastHealthyAt time.Time `json:"lastHealthyAt,omitzero"`
}

// A HealthStore is a [Store] that also keeps one Health per record.
// memstore and sqlstore implement it; vault/storetest checks the
// contract. Deleting a record deletes its health.
type HealthStore interface {
	// PutHealth stores h as the health of the record at k, or returns
	// ErrNotFound when no record is there. A result checked before the
	// stored one is ignored (nil error), so that replicas racing to
	// record never move a record's health back in time. The stored
	// LastHealthyAt is the later of the stored one and h's: a zero
	// h.LastHealthyAt keeps the stored one.
	PutHealth(ctx context.Context, k Key, h Health) error
	// GetHealth returns the health of the record at k, or ErrNotFound
	// when none was recorded (or the record is gone).
	GetHealth(ctx context.Context, k Key) (Health, error)
	// ListHealth returns the health of every record of org that has one,
	// by registry name.
	ListHealth(ctx context.Context, org string) (map[string]Health, error)
}

// RecordHealth stores r, the result of testing the record at k at time
// at, as that record's health (see [HealthStore.PutHealth]): a healthy
// result also becomes LastHealthyAt. It returns ErrNotFound when no
// record is at k, ErrNoHealthStore when the store keeps no health, and
// an error wrapping ErrInvalidEntry for an empty status or a zero time.
func (v *Vault) RecordHealth(ctx context.Context, k Key, r providers.Result, at time.Time) error {
	hs, err := v.healthStore(k)
	if err != nil {
		return err
	}
	h, err := newHealth(r, at)
	if err != nil {
		return err
	}
	return hs.PutHealth(ctx, k, h)
}

// newHealth builds the Health to store for r, checked at at.
func newHealth(r providers.Result, at time.Time) (Health, error) {
	switch {
	case r.Status == "" || len(r.Status) > 64:
		return Health{}, fmt.Errorf("%w: health status: empty or longer than 64 bytes", ErrInvalidEntry)
	case at.IsZero():
		return Health{}, fmt.Errorf("%w: health time: zero", ErrInvalidEntry)
	}
	h := Health{Status: r.Status, Message: cutMessage(r.Message), CheckedAt: at.UTC().Truncate(time.Microsecond)}
	if r.Healthy() {
		h.LastHealthyAt = h.CheckedAt
	}
	return h, nil
}

// cutMessage returns m, valid UTF-8, cut to MaxHealthMessage bytes at a
// character boundary.
func cutMessage(m string) string {
	m = strings.ToValidUTF8(m, "\uFFFD")
	if len(m) <= MaxHealthMessage {
		return m
	}
	cut := MaxHealthMessage
	for cut > 0 && !utf8.RuneStart(m[cut]) {
		cut--
	}
	return m[:cut]
}

// Health returns the stored health of the record at k: ErrNotFound when
// none was recorded, ErrNoHealthStore when the store keeps none.
func (v *Vault) Health(ctx context.Context, k Key) (Health, error) {
	hs, err := v.healthStore(k)
	if err != nil {
		return Health{}, err
	}
	return hs.GetHealth(ctx, k)
}

// OrgHealth returns the stored health of every record of org that has
// one, by registry name, in one store call (for a list view).
func (v *Vault) OrgHealth(ctx context.Context, org string) (map[string]Health, error) {
	hs, err := v.healthStore(Key{Org: org, Registry: "-"})
	if err != nil {
		return nil, err
	}
	return hs.ListHealth(ctx, org)
}

// healthStore returns the vault's store as a HealthStore after checking k.
func (v *Vault) healthStore(k Key) (HealthStore, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	hs, ok := v.store.(HealthStore)
	if !ok {
		return nil, ErrNoHealthStore
	}
	return hs, nil
}

// MergeHealth returns what a HealthStore holding old keeps after
// PutHealth(h): old when h was checked before it, otherwise h with the
// later LastHealthyAt. Stores that cannot say it in SQL call it.
func MergeHealth(old, h Health) Health {
	if h.CheckedAt.Before(old.CheckedAt) {
		return old
	}
	if old.LastHealthyAt.After(h.LastHealthyAt) {
		h.LastHealthyAt = old.LastHealthyAt
	}
	return h
}
