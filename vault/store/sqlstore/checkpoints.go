package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/credvault/credvault/vault"
)

var _ vault.Checkpointer = (*Store)(nil)

// LoadCheckpoint implements [vault.Checkpointer]: it returns the cursor
// saved for jobID in the credvault_checkpoints table, if any.
func (s *Store) LoadCheckpoint(ctx context.Context, jobID string) (vault.Key, bool, error) {
	if err := s.check(ctx); err != nil {
		return vault.Key{}, false, err
	}
	var k vault.Key
	err := retry(ctx, func() error { return s.stmts.loadCP.QueryRowContext(ctx, jobID).Scan(&k.Org, &k.Registry) })
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.Key{}, false, nil
	case err != nil:
		return vault.Key{}, false, dbError("load checkpoint", err)
	}
	return k, true, nil
}

// SaveCheckpoint implements [vault.Checkpointer]: it records after as
// jobID's cursor, replacing any earlier one. The cursor is durable once
// SaveCheckpoint returns, so a job killed afterwards resumes from it.
func (s *Store) SaveCheckpoint(ctx context.Context, jobID string, after vault.Key) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	at := s.dialect.timeArg(s.now())
	_, err := s.exec(ctx, s.stmts.saveCP, jobID, after.Org, after.Registry, at)
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
