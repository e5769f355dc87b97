package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/credvault/credvault/vault"
)

var _ vault.Checkpointer = (*Store)(nil)

// LoadCheckpoint implements [vault.Checkpointer]: it returns the
// checkpoint saved for jobID in the credvault_checkpoints table, if any.
func (s *Store) LoadCheckpoint(ctx context.Context, jobID string) (vault.Checkpoint, bool, error) {
	if err := s.check(ctx); err != nil {
		return vault.Checkpoint{}, false, err
	}
	var cp vault.Checkpoint
	err := retry(ctx, func() error {
		return s.stmts.loadCP.QueryRowContext(ctx, jobID).Scan(&cp.After.Org, &cp.After.Registry, &cp.Done, &cp.Skipped)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.Checkpoint{}, false, nil
	case err != nil:
		return vault.Checkpoint{}, false, dbError("load checkpoint", err)
	}
	return cp, true, nil
}

// SaveCheckpoint implements [vault.Checkpointer]: it records cp as
// jobID's checkpoint, replacing any earlier one. It is durable once
// SaveCheckpoint returns, so a job killed afterwards resumes from it.
func (s *Store) SaveCheckpoint(ctx context.Context, jobID string, cp vault.Checkpoint) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	at := s.dialect.timeArg(s.now())
	_, err := s.exec(ctx, s.stmts.saveCP, jobID, cp.After.Org, cp.After.Registry, cp.Done, cp.Skipped, at)
	return passOrWrap(err, "save checkpoint")
}

// ClearCheckpoint implements [vault.Checkpointer]: it forgets jobID's
// cursor, so the next run starts from the beginning. Clearing a job with
// no checkpoint is not an error.
func (s *Store) ClearCheckpoint(ctx context.Context, jobID string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	_, err := s.exec(ctx, s.stmts.clearCP, jobID)
	return passOrWrap(err, "clear checkpoint")
}

// passOrWrap returns context errors and ErrClosed as they are and wraps
// database errors with op.
func passOrWrap(err error, op string) error {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrClosed):
		return err
	}
	return dbError(op, err)
}
