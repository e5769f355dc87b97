package schedule

import (
	"context"

	"github.com/credvault/credvault/kek/local"
)

// LocalKeys adapts a kek/local Manager to a KeyManager that retires a
// version by disabling it (Manager.Disable), which keeps its key material
// so that an operator can enable it again; usage (the vault's store) is
// what Disable consults so that no version a record uses is disabled.
func LocalKeys(m *local.Manager, usage local.UsageCounter) KeyManager {
	return localKeys{m: m, usage: usage}
}

type localKeys struct {
	m     *local.Manager
	usage local.UsageCounter
}

func (k localKeys) Rotate(ctx context.Context, org string) (string, error) {
	return k.m.Rotate(ctx, org)
}

func (k localKeys) Retirable(ctx context.Context, org string) ([]string, error) {
	vs, err := k.m.Versions(ctx, org)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range vs {
		if !v.Primary && v.Status == local.StatusEnabled {
			ids = append(ids, v.KeyID)
		}
	}
	return ids, nil
}

func (k localKeys) Retire(ctx context.Context, org, keyID string) error {
	return k.m.Disable(ctx, org, keyID, k.usage)
}
