package main

import (
	"context"
	"time"

	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
)

// TEMPORARY until the leases branch lands vault.Health.
type storedHealth struct {
	Status    providers.Status
	CheckedAt time.Time
}

type healthView struct {
	Status     *providers.Status `json:"status"`
	LastSyncAt *time.Time        `json:"lastSyncAt"`
}

func newHealthView(h storedHealth) healthView {
	if h.CheckedAt.IsZero() {
		return healthView{}
	}
	return healthView{Status: &h.Status, LastSyncAt: &h.CheckedAt}
}

func (a *app) health(ctx context.Context, k vault.Key) (storedHealth, error) {
	return storedHealth{}, nil
}

func (a *app) orgHealth(ctx context.Context, org string) (map[string]storedHealth, error) {
	return nil, nil
}

func (a *app) testStored(ctx context.Context, k vault.Key) (providers.Result, error) {
	return stored.Test(ctx, a.vault, k, a.testOpts), nil
}
