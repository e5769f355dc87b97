package vault

import (
	"context"
	"fmt"
	"slices"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
)

// RewrapOptions configure a KEK rewrap ([Vault.RewrapKEK]). A rewrap
// takes no checkpoint: it selects the records still under an older key,
// so a restarted job finds exactly the records still to do, and a cursor
// could only make it pass one of them.
type RewrapOptions struct {
	JobOptions
}

// RewrapKEK moves every record of opts.Org whose DEK is wrapped by an
// older key onto the org KEK's current key. It rewraps server-side (the
// KEK's kek.Rewrapper, e.g. AWS KMS ReEncrypt) when offered, so plaintext
// DEKs never enter the process; otherwise it unwraps and wraps again in
// memory. Payloads are untouched. Each record is written by
// compare-and-swap on the version read, so a concurrent Put is never
// overwritten; a record changed meanwhile is re-read and skipped if
// already current. The job is naturally resumable: it selects records by
// key ID, so a restarted job finds only those still to do.
func (v *Vault) RewrapKEK(ctx context.Context, opts RewrapOptions) (s Summary, err error) {
	err = v.runJobLeased(ctx, opts.JobOptions, jobRewrap, func(ctx context.Context) error {
		s, err = v.rewrapKEK(ctx, opts)
		return err
	})
	return s, err
}

// rewrapKEK is RewrapKEK once the job holds its lease, if any.
func (v *Vault) rewrapKEK(ctx context.Context, opts RewrapOptions) (Summary, error) {
	j, err := newJob(v, jobRewrap, opts.JobOptions)
	if err != nil {
		return Summary{}, err
	}
	kk, err := v.keys.KEK(ctx, opts.Org)
	if err != nil {
		return j.abort(ctx, fmt.Errorf("vault: rewrap: resolve KEK: %w", err))
	}
	current, err := kk.CurrentKeyID(ctx)
	if err != nil {
		return j.abort(ctx, fmt.Errorf("vault: rewrap: current key: %w", err))
	}
	old, err := j.oldKeyIDs(ctx, current)
	if err != nil {
		return j.abort(ctx, err)
	}
	j.obs.started(ctx, j.total, false, Key{})
	r := v.rewrapRotation(j, kk, current)
	for i, id := range old {
		if err = j.run(ctx, Query{Org: opts.Org, KeyID: id}, r); err != nil {
			break
		}
		if i < len(old)-1 { // run reports every page but its last, which finish reports for the last key ID
			j.report()
		}
	}
	return j.finish(ctx, false, err)
}

// oldKeyIDs returns the org's key IDs other than current, in order, and
// counts their records as the job's total.
func (j *job) oldKeyIDs(ctx context.Context, current string) ([]string, error) {
	usage, err := j.store.KeyUsage(ctx, j.opts.Org)
	if err != nil {
		return nil, fmt.Errorf("vault: rewrap: key usage: %w", err)
	}
	var old []string
	for id, n := range usage {
		if id != current {
			old = append(old, id)
			j.total += n
		}
	}
	slices.Sort(old)
	return old, nil
}

// rewrapRotation is the KEK rewrap of one record to current; a record
// already there is skipped.
func (v *Vault) rewrapRotation(j *job, kk kek.KEK, current string) rotation {
	prepare := func(ctx context.Context, rec Record, dst []byte) (Record, error) {
		if rec.KeyID == current {
			return Record{}, errSkip
		}
		out, keyID, err := v.rewrapEnvelope(ctx, j, kk, rec, dst)
		return Record{Key: rec.Key, KeyID: keyID, Envelope: out}, err
	}
	return rotation{
		prepare: prepare,
		retry:   func(ctx context.Context, _, cur Record) (Record, error) { return prepare(ctx, cur, nil) },
	}
}

// rewrapEnvelope returns rec's envelope with its DEK wrapped by the
// current key, appended to dst, and that key's ID.
func (v *Vault) rewrapEnvelope(ctx context.Context, j *job, kk kek.KEK, rec Record, dst []byte) ([]byte, string, error) {
	env, err := parseRecord(rec)
	if err != nil {
		return nil, "", err
	}
	s := getScratch()
	defer s.release()
	aad := envelope.DEKAAD(s.hdr[:0], env.Version, rec.Org, rec.Registry, env.Kind)
	if err := j.wait(ctx); err != nil {
		return nil, "", err
	}
	if j.opts.DryRun {
		return nil, "", nil
	}
	var wrapped []byte
	var keyID string
	if rw, ok := kk.(kek.Rewrapper); ok {
		v.n.rewraps.Add(1)
		start := v.m.kekRewrap.start(ctx)
		wrapped, keyID, err = kekRewrap(ctx, rw, rec.Key, &env, aad)
		v.m.kekRewrap.stop(ctx, start, &err)
	} else {
		wrapped, keyID, err = v.rewrapLocally(ctx, j, kk, rec.Key, &env, aad)
	}
	if err != nil {
		return nil, "", fmt.Errorf("rewrap DEK: %w", unwrapErr(err))
	}
	env.WrappedDEK, env.KeyID = wrapped, keyID
	out, err := env.Append(dst)
	return out, keyID, err
}

// rewrapLocally unwraps and wraps again. Like a server-side rewrap, it
// does not judge the payload: the record opens afterwards exactly when it
// opened before (same DEK, same payload, same commitment), and Open is
// what checks the commitment.
func (v *Vault) rewrapLocally(ctx context.Context, j *job, kk kek.KEK, k Key, env *envelope.Envelope, aad []byte) ([]byte, string, error) {
	v.n.unwraps.Add(1)
	start := v.m.kekUnwrap.start(ctx)
	dek, err := kekUnwrap(ctx, kk, k, env, aad)
	v.m.kekUnwrap.stop(ctx, start, &err)
	if err != nil {
		return nil, "", err
	}
	defer clear(dek)
	v.n.wraps.Add(1)
	start = v.m.kekWrap.start(ctx)
	wrapped, keyID, err := kekWrap(ctx, kk, k, dek, aad)
	v.m.kekWrap.stop(ctx, start, &err)
	return wrapped, keyID, err
}

// The rewrap's KEK calls, one function each: the only places rotation
// hands a KEK the record's key and DEK AAD.

// kekRewrap rewraps env's DEK, of the record at k, server-side.
func kekRewrap(ctx context.Context, rw kek.Rewrapper, k Key, env *envelope.Envelope, aad []byte) ([]byte, string, error) {
	return rw.Rewrap(ctx, env.KeyID, env.WrappedDEK, kekAAD(k, aad, new([2]kek.Label)))
}

// kekUnwrap unwraps env's DEK, of the record at k.
func kekUnwrap(ctx context.Context, kk kek.KEK, k Key, env *envelope.Envelope, aad []byte) ([]byte, error) {
	return kk.Unwrap(ctx, env.KeyID, env.WrappedDEK, kekAAD(k, aad, new([2]kek.Label)))
}

// kekWrap wraps dek, the DEK of the record at k, under kk's current key.
func kekWrap(ctx context.Context, kk kek.KEK, k Key, dek, aad []byte) ([]byte, string, error) {
	return kk.Wrap(ctx, dek, kekAAD(k, aad, new([2]kek.Label)))
}

// KeyUsage counts the org's records per KEK key ID ("" for every org),
// for retiring key versions only when nothing uses them.
func (v *Vault) KeyUsage(ctx context.Context, org string) (map[string]int64, error) {
	return v.store.KeyUsage(ctx, org)
}
