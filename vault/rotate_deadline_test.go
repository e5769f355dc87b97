package vault_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
)

// TestRateLimitedJobHonoursDeadline: a rate-limited, checkpointed
// DEK rotation whose context has a deadline it cannot finish before. The
// job must stop at the deadline (an error matching
// context.DeadlineExceeded), count no record as failed for lack of time,
// and keep its checkpoint so that the next run resumes. (The rate
// limiter refuses at once with "would exceed context deadline" while the
// context is still live; that used to count every remaining record as
// failed, return nil and clear the checkpoint.)
func TestRateLimitedJobHonoursDeadline(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			v := mustVault(t, form(e.store), e.keys)
			fill(t, e, 40)
			cp := &vault.MemCheckpoints{}
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			// 40 KEK calls per second: 20 records per second, 2 calls each.
			s, err := v.RotateDEKs(ctx, vault.RotateOptions{Org: "acme", PageSize: 4, Workers: 2,
				RatePerSecond: 40, Checkpoints: cp})
			t.Logf("summary %+v, %d errors, err %v", s.Progress, len(s.Errors), err)
			if len(s.Errors) > 0 {
				t.Logf("first error: %v", s.Errors[0])
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("job ended with %v, want context.DeadlineExceeded", err)
			}
			if s.Failed != 0 {
				t.Errorf("%d records counted failed for lack of time", s.Failed)
			}
			if _, ok, _ := cp.LoadCheckpoint(context.Background(), "dek/acme"); !ok && s.Done >= 4 {
				t.Errorf("checkpoint lost after %d records rotated", s.Done)
			}
		})
	}
}
