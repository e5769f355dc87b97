package main

import (
	"context"
	"errors"
	"time"

	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
)

// healthView is the GET view's health: the status and time of the
// latest stored connection test, both null before the first.
type healthView struct {
	Status     *providers.Status `json:"status"`
	LastSyncAt *time.Time        `json:"lastSyncAt"`
}

func newHealthView(h vault.Health) healthView {
	if h.CheckedAt.IsZero() {
		return healthView{}
	}
	return healthView{Status: &h.Status, LastSyncAt: &h.CheckedAt}
}

// health returns the registry's stored health, zero if none was recorded.
func (a *app) health(ctx context.Context, k vault.Key) (vault.Health, error) {
	h, err := a.vault.Health(ctx, k)
	if errors.Is(err, vault.ErrNotFound) {
		return vault.Health{}, nil
	}
	return h, err
}

// orgHealth returns the stored health of an org's registries, by ID.
func (a *app) orgHealth(ctx context.Context, org string) (map[string]vault.Health, error) {
	return a.vault.OrgHealth(ctx, org)
}

// testStored tests the credentials sealed at k, which never leave the
// vault, and records the result as k's health.
func (a *app) testStored(ctx context.Context, k vault.Key) (providers.Result, error) {
	res := stored.Test(ctx, a.vault, k, a.testOpts)
	return res, a.vault.RecordHealth(ctx, k, res, time.Now())
}
