package vault_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
)

// flakyKEKs resolves each org's KEK, whose first Unwrap for one registry
// fails as a KMS outage would.
type flakyKEKs struct {
	vault.KEKResolver
	registry string
	failed   atomic.Bool
}

func (f *flakyKEKs) KEK(ctx context.Context, org string) (kek.KEK, error) {
	k, err := f.KEKResolver.KEK(ctx, org)
	return flakyKEK{k, f}, err
}

type flakyKEK struct {
	kek.KEK
	f *flakyKEKs
}

func (k flakyKEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	if bytes.Contains(aad.Data, []byte(k.f.registry)) && k.f.failed.CompareAndSwap(false, true) {
		return nil, kek.ErrUnavailable
	}
	return k.KEK.Unwrap(ctx, keyID, wrapped, aad)
}

// stopAfter returns opts that cancel ctx's job after its nth progress
// report, and the job's context.
func stopAfter(ctx context.Context, opts vault.RotateOptions, n int) (context.Context, vault.RotateOptions) {
	ctx, cancel := context.WithCancel(ctx)
	reports := 0
	opts.Progress = func(vault.Progress) {
		if reports++; reports == n {
			cancel()
		}
	}
	return ctx, opts
}

// TestResumedRotateDEKsRetriesFailedRecords: a record of page 2 fails
// (a transient KMS error), the job is stopped after page 3, and the
// resumed job must rotate that record and count it, not resume past it.
func TestResumedRotateDEKsRetriesFailedRecords(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ks := fill(t, e, 40)
			before := commitments(t, e, ks)
			v := mustVault(t, form(e.store), &flakyKEKs{KEKResolver: e.keys, registry: ks[12].Registry})
			opts := vault.RotateOptions{Org: "acme", PageSize: 10, Workers: 2, Checkpoints: &vault.MemCheckpoints{}}
			s, err := v.RotateDEKs(stopAfter(t.Context(), opts, 3))
			if !errors.Is(err, context.Canceled) || s.Failed != 1 || s.Errors[0].Key != ks[12] {
				t.Fatalf("stopped run: %+v, %v, %v", s.Progress, s.Errors, err)
			}
			s, err = v.RotateDEKs(t.Context(), opts)
			if err != nil || !s.Resumed || s.Failed != 0 || s.Done < 30 {
				t.Fatalf("resumed run: %+v, %v", s.Progress, err)
			}
			for i, c := range commitments(t, e, ks) {
				if c == before[i] {
					t.Errorf("%s kept its old DEK", ks[i])
				}
			}
		})
	}
}

// TestResumedRewrapKEKRetriesFailedRecords: the KEK rewrap shares the
// pipeline but keeps no checkpoint (it selects records by key ID), so a
// re-run after a stop finds the record that failed still to do.
func TestResumedRewrapKEKRetriesFailedRecords(t *testing.T) {
	e := newEnv(t)
	ks := fill(t, e, 40)
	current, err := e.keys.Rotate(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, e.store, &flakyKEKs{KEKResolver: e.keys, registry: ks[12].Registry})
	opts := vault.RotateOptions{Org: "acme", PageSize: 10, Workers: 2, Checkpoints: &vault.MemCheckpoints{}}
	if s, err := v.RewrapKEK(stopAfter(t.Context(), opts, 3)); !errors.Is(err, context.Canceled) || s.Failed != 1 {
		t.Fatalf("stopped run: %+v, %v", s.Progress, err)
	}
	if s, err := v.RewrapKEK(t.Context(), opts); err != nil || s.Failed != 0 {
		t.Fatalf("re-run: %+v, %v", s.Progress, err)
	}
	if usage, _ := v.KeyUsage(t.Context(), "acme"); len(usage) != 1 || usage[current] != 40 {
		t.Fatalf("usage after the re-run: %v", usage)
	}
}

// commitments returns the key commitment, which identifies the DEK, of
// each record at ks.
func commitments(t *testing.T, e env, ks []vault.Key) [][envelope.CommitmentSize]byte {
	t.Helper()
	out := make([][envelope.CommitmentSize]byte, len(ks))
	for i, k := range ks {
		rec, err := e.store.Get(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		env, err := envelope.Parse(rec.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = env.Commitment
	}
	return out
}

// stallingKEKs resolves each org's KEK, whose Unwraps for registries
// holding match wait for the job's context to end.
type stallingKEKs struct {
	vault.KEKResolver
	match string
}

func (s stallingKEKs) KEK(ctx context.Context, org string) (kek.KEK, error) {
	k, err := s.KEKResolver.KEK(ctx, org)
	return stallingKEK{k, s.match}, err
}

type stallingKEK struct {
	kek.KEK
	match string
}

func (k stallingKEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	if bytes.Contains(aad.Data, []byte(k.match)) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return k.KEK.Unwrap(ctx, keyID, wrapped, aad)
}

// TestRotationCancelledBeforeLastPageIsWritten cancels a batched job
// while its last page is being prepared: the pipeline drops that page, so
// the job must return ctx's error and keep its checkpoint, not report a
// complete run. Whether the preparer drops the page or hands it on is up
// to a select, so the job runs many times.
func TestRotationCancelledBeforeLastPageIsWritten(t *testing.T) {
	e := newEnv(t)
	ks := fill(t, e, 20)
	v := mustVault(t, e.store, stallingKEKs{e.keys, "reg-001"}) // the second page
	for range 30 {
		cp := &vault.MemCheckpoints{}
		opts := vault.RotateOptions{Org: "acme", PageSize: 10, Checkpoints: cp}
		s, err := v.RotateDEKs(stopAfter(t.Context(), opts, 1))
		if !errors.Is(err, context.Canceled) || s.Done != 10 {
			t.Fatalf("summary %+v, err %v; want cancelled after the first page", s.Progress, err)
		}
		if after, ok, _ := cp.LoadCheckpoint(t.Context(), "dek/acme"); !ok || after != ks[9] {
			t.Fatalf("checkpoint %v, %v; want after %s", after, ok, ks[9])
		}
	}
}
