package vault

import (
	"context"
	"fmt"
	"sync"
)

// A Checkpoint is a job's saved position: the key after which every
// record is done, and what the job's runs counted up to there, so that a
// resumed job's totals count the whole job.
type Checkpoint struct {
	After   Key   `json:"after"`
	Done    int64 `json:"done"`    // records rotated before After
	Skipped int64 `json:"skipped"` // records skipped before After
}

// A Checkpointer persists a job's checkpoint. vault/store/sqlstore
// implements it; MemCheckpoints keeps checkpoints in memory.
type Checkpointer interface {
	LoadCheckpoint(ctx context.Context, jobID string) (cp Checkpoint, ok bool, err error)
	SaveCheckpoint(ctx context.Context, jobID string, cp Checkpoint) error
	ClearCheckpoint(ctx context.Context, jobID string) error
}

// keepCheckpoints makes j save its checkpoints in cp under jobID, ""
// meaning "<kind>/<org>", and returns the cursor saved there, if any; the
// job's counts start from the counts saved with it.
func (j *job) keepCheckpoints(ctx context.Context, cp Checkpointer, kind, jobID string) (after Key, ok bool, err error) {
	if cp == nil {
		return Key{}, false, nil
	}
	if jobID == "" {
		jobID = kind + "/" + j.opts.Org
	}
	j.cp, j.jobID = cp, jobID
	saved, ok, err := cp.LoadCheckpoint(ctx, jobID)
	if err != nil || !ok {
		return Key{}, false, err
	}
	j.priorDone, j.priorSkipped = saved.Done, saved.Skipped
	return saved.After, true, nil
}

// checkpoint saves after as the job's cursor, unless in a dry run or
// once a record has failed: the cursor then stays before that record, so
// that a resumed job retries it instead of forgetting it. Pages settle in
// order, so every failure counted so far is at or before after.
func (j *job) checkpoint(ctx context.Context, after Key) error {
	if j.cp == nil || j.opts.DryRun || j.failed.Load() > 0 {
		return nil
	}
	p := j.progress()
	if err := j.cp.SaveCheckpoint(ctx, j.jobID, Checkpoint{After: after, Done: p.Done, Skipped: p.Skipped}); err != nil {
		return fmt.Errorf("vault: rotation: checkpoint: %w", err)
	}
	return nil
}

// clearCheckpoint forgets the job's cursor after a complete run.
func (j *job) clearCheckpoint(ctx context.Context) error {
	if j.cp == nil || j.opts.DryRun {
		return nil
	}
	return j.cp.ClearCheckpoint(ctx, j.jobID)
}

// MemCheckpoints is an in-memory Checkpointer (for tests and for jobs
// that need not survive a restart).
type MemCheckpoints struct {
	mu sync.Mutex
	m  map[string]Checkpoint
}

// LoadCheckpoint implements Checkpointer.
func (c *MemCheckpoints) LoadCheckpoint(_ context.Context, id string) (Checkpoint, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	return k, ok, nil
}

// SaveCheckpoint implements Checkpointer.
func (c *MemCheckpoints) SaveCheckpoint(_ context.Context, id string, cp Checkpoint) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]Checkpoint{}
	}
	c.m[id] = cp
	return nil
}

// ClearCheckpoint implements Checkpointer.
func (c *MemCheckpoints) ClearCheckpoint(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
	return nil
}
