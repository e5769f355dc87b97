package vault

import (
	"context"
	"fmt"
)

// DEKOptions configure a DEK rotation ([Vault.RotateDEKs]).
type DEKOptions struct {
	JobOptions
	// Checkpoints, when set, lets a restarted job resume after the last
	// completed page instead of starting over. The checkpoint never passes
	// a record that failed: once one has, the job saves no later
	// checkpoint, so a restarted job visits it (and every record after
	// it) again, and its Summary counts it.
	Checkpoints Checkpointer
	// JobID names the job's checkpoint; "" means "dek/<org>".
	JobID string
}

// RotateDEKs re-encrypts every record of opts.Org under a fresh DEK (and
// the KEK's current key). It opens each record, which authenticates it,
// seals its payload and metadata again exactly as they were sealed (not
// re-validated: a record Open accepts can always be rotated), and writes
// it by compare-and-swap; a record replaced by a concurrent Put already
// has a fresh DEK and is skipped. With Checkpoints set, a restarted job
// resumes after the last page completed before any record failed.
func (v *Vault) RotateDEKs(ctx context.Context, opts DEKOptions) (s Summary, err error) {
	err = v.runJobLeased(ctx, opts.JobOptions, jobDEK, func(ctx context.Context) error {
		s, err = v.rotateDEKs(ctx, opts)
		return err
	})
	return s, err
}

// rotateDEKs is RotateDEKs once the job holds its lease, if any.
func (v *Vault) rotateDEKs(ctx context.Context, opts DEKOptions) (Summary, error) {
	j, err := newJob(v, jobDEK, opts.JobOptions)
	if err != nil {
		return Summary{}, err
	}
	after, resumed, err := j.keepCheckpoints(ctx, opts.Checkpoints, jobDEK, opts.JobID)
	if err != nil {
		return j.abort(ctx, fmt.Errorf("vault: rotate DEKs: checkpoint: %w", err))
	}
	usage, err := v.store.KeyUsage(ctx, opts.Org)
	if err != nil {
		return j.abort(ctx, fmt.Errorf("vault: rotate DEKs: key usage: %w", err))
	}
	for _, n := range usage {
		j.total += n
	}
	j.obs.started(ctx, j.total, resumed, after)
	err = j.run(ctx, Query{Org: opts.Org, After: after}, rotation{
		prepare: func(ctx context.Context, rec Record, _ []byte) (Record, error) { return v.reencrypt(ctx, j, rec) },
		retry: func(ctx context.Context, read, cur Record) (Record, error) {
			return v.reencryptUnchanged(ctx, j, read, cur)
		},
	})
	return j.finish(ctx, resumed, err)
}

// reencryptUnchanged re-encrypts cur, the record now stored where the job
// read read, when it still carries read's DEK. A record rewritten with a
// new DEK (a Put) needs nothing (errSkip); one whose version moved but
// whose DEK did not (a concurrent KEK rewrap) is re-encrypted, so the job
// never reports a record done that still has its old DEK.
func (v *Vault) reencryptUnchanged(ctx context.Context, j *job, read, cur Record) (Record, error) {
	same, err := sameDEK(read, cur)
	if err != nil {
		return Record{}, err
	}
	if !same {
		return Record{}, errSkip
	}
	return v.reencrypt(ctx, j, cur)
}

// sameDEK reports whether cur, the record now stored at read's key,
// still carries read's DEK: the key commitment identifies it. A record
// that does not parse is corrupt (ErrCorrupt), not changed.
func sameDEK(read, cur Record) (bool, error) {
	er, err := parseRecord(read)
	if err != nil {
		return false, err
	}
	ec, err := parseRecord(cur)
	if err != nil {
		return false, err
	}
	return er.Commitment == ec.Commitment, nil
}

// reencrypt opens rec and seals its payload and metadata again under a
// fresh DEK; in a dry run it only opens it. It re-seals the decrypted
// bytes rather than the decoded credential: Seal would hold the
// credential to today's field rules, and a record sealed under looser
// ones, which Open accepts, would never rotate.
func (v *Vault) reencrypt(ctx context.Context, j *job, rec Record) (Record, error) {
	env, err := parseRecord(rec)
	if err != nil {
		return Record{}, err
	}
	kk, err := v.keys.KEK(ctx, rec.Org)
	if err != nil {
		return Record{}, fmt.Errorf("vault: open %s: resolve KEK: %w", rec.Key, err)
	}
	s := getScratch()
	defer s.release()
	if err := j.wait(ctx); err != nil {
		return Record{}, err
	}
	pt, err := v.openPlaintext(ctx, kk, rec.Key, &env, s)
	if err == nil {
		_, err = decodeEntry(&env, pt) // what OpenRecord refuses, rotation refuses
	}
	defer clear(pt)
	if err != nil {
		return Record{}, fmt.Errorf("vault: open %s: %w", rec.Key, err)
	}
	if j.opts.DryRun {
		return Record{}, nil
	}
	meta := append(s.hdr[:0], env.Meta...)
	return v.sealEncoded(ctx, kk, rec.Key, s, env.Kind, meta, pt)
}
