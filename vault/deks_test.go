package vault_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/credcodec"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// TestRotateDEKsRetriesWhenOnlyTheVersionMoved: a lost compare-and-swap
// against a writer that kept the DEK must not count the record as done.
func TestRotateDEKsRetriesWhenOnlyTheVersionMoved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ks := fill(t, e, 1)
	before, _ := e.store.Get(ctx, ks[0])
	v, _ := vault.New(&bumpOnce{Store: e.store}, e.keys)
	s, err := v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme"}})
	if err != nil || s.Done != 1 || s.Skipped != 0 {
		t.Fatalf("summary %+v, err %v", s, err)
	}
	after, _ := e.store.Get(ctx, ks[0])
	eb, _ := envelope.Parse(before.Envelope)
	ea, _ := envelope.Parse(after.Envelope)
	if eb.Commitment == ea.Commitment {
		t.Fatal("the record kept its old DEK")
	}
}

// bumpOnce is a Store whose first Put is preceded by a concurrent writer
// re-storing the same envelope (what a KEK rewrap does to the version
// without changing the DEK).
type bumpOnce struct {
	vault.Store
	done bool
}

func (s *bumpOnce) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	if !s.done {
		s.done = true
		cur, _ := s.Store.Get(ctx, rec.Key)
		if _, err := s.Store.Put(ctx, cur, cur.Version); err != nil {
			return 0, err
		}
	}
	return s.Store.Put(ctx, rec, expect)
}

// corruptFirst is a store where, just before the first record write, a
// concurrent writer stores an envelope that does not parse at that key:
// the job loses its compare-and-swap to a corrupt record.
type corruptFirst struct {
	vault.Store
	once sync.Once
}

func (s *corruptFirst) corrupt(ctx context.Context, k vault.Key) {
	s.once.Do(func() {
		cur, _ := s.Store.Get(ctx, k)
		cur.Envelope = []byte{1, 1}
		_, _ = s.Store.Put(ctx, cur, cur.Version)
	})
}

func (s *corruptFirst) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	s.corrupt(ctx, rec.Key)
	return s.Store.Put(ctx, rec, expect)
}

func (s *corruptFirst) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	s.corrupt(ctx, recs[0].Key)
	return s.Store.(vault.BatchPutter).PutBatch(ctx, recs, expects)
}

// TestRotateDEKsCountsCorruptRecordAfterLostRace: a record found corrupt
// when the job re-reads it after a lost compare-and-swap is a failure
// naming its key (ErrCorrupt), not a record "changed meanwhile".
func TestRotateDEKsCountsCorruptRecordAfterLostRace(t *testing.T) {
	for name, wrap := range map[string]func(*corruptFirst) vault.Store{
		"batched":          func(s *corruptFirst) vault.Store { return s },
		"record by record": func(s *corruptFirst) vault.Store { return storeOnly{s} },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ks := fill(t, e, 5)
			v := mustVault(t, wrap(&corruptFirst{Store: e.store}), e.keys)
			s, err := v.RotateDEKs(t.Context(), vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme", Workers: 1}})
			if err != nil || s.Failed != 1 || s.Skipped != 0 || s.Done != 4 {
				t.Fatalf("summary %+v, err %v", s.Progress, err)
			}
			if re := s.Errors[0]; re.Key != ks[0] || !errors.Is(re, vault.ErrCorrupt) || !strings.Contains(re.Error(), ks[0].String()) {
				t.Fatalf("record error %v, want ErrCorrupt at %s", re, ks[0])
			}
		})
	}
}

// encodeUsernamePassword is the canonical encoding of a UsernamePassword
// (version 1, kind code 1, each field a uvarint length and its bytes),
// built by hand so that no field rule applies.
func encodeUsernamePassword(username, password string) []byte {
	b := []byte{credcodec.Version, 1}
	for _, f := range []string{username, password} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// TestRotateDEKsRotatesRecordsSealedUnderLooserRules: a record sealed
// when a field rule was looser (a username over today's cap) opens, so
// DEK rotation must rotate it as it is, not hold it to today's rules.
func TestRotateDEKsRotatesRecordsSealedUnderLooserRules(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	k := vault.Key{Org: "acme", Registry: "legacy"}
	user := strings.Repeat("u", credentials.MaxUsernameLen+44)
	view := credentials.View{Kind: credentials.KindUsernamePassword, Username: user}
	rec, err := vault.SealEncoded(ctx, e.v, k, entry(nil), view, encodeUsernamePassword(user, "pw"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Put(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	old, _, err := e.v.Open(ctx, k)
	if err != nil {
		t.Fatalf("the legacy record does not open: %v", err)
	}
	if _, err := e.v.Seal(ctx, k, old); err == nil {
		t.Fatal("today's rules accept the legacy username: the test proves nothing")
	}
	before := commitments(t, e, []vault.Key{k})
	s, err := e.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme"}})
	if err != nil || s.Done != 1 || s.Failed != 0 {
		t.Fatalf("summary %+v, errors %v, err %v", s.Progress, s.Errors, err)
	}
	if commitments(t, e, []vault.Key{k})[0] == before[0] {
		t.Fatal("the record kept its old DEK")
	}
	got, _, err := e.v.Open(ctx, k)
	if err != nil || got.Provider != old.Provider || got.URL != old.URL ||
		got.Credential.(credentials.UsernamePassword).Username != user {
		t.Fatalf("rotated record opens to %+v, %v", got, err)
	}
	if d, err := e.v.Describe(ctx, k); err != nil || d.View.Username != user {
		t.Fatalf("rotated record describes as %+v, %v", d, err)
	}
}

// Re-encrypt every record of an org under a fresh DEK, keeping a
// checkpoint so that an interrupted run resumes where it stopped.
func ExampleVault_RotateDEKs() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)
	putExampleRecords(ctx, v, "acme", 3)

	checkpoints := &vault.MemCheckpoints{} // a sqlstore.Store keeps them in its database
	s, err := v.RotateDEKs(ctx, vault.DEKOptions{
		JobOptions:  vault.JobOptions{Org: "acme", PageSize: 2},
		Checkpoints: checkpoints,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("re-encrypted %d of %d, %d failed, resumed: %t\n", s.Done, s.Total, s.Failed, s.Resumed)
	e, _, _ := v.Open(ctx, vault.Key{Org: "acme", Registry: "registry-0"})
	fmt.Println(e.Credential.(credentials.UsernamePassword).Username)
	// Output:
	// re-encrypted 3 of 3, 0 failed, resumed: false
	// deploy-bot
}

// TestRotateDEKsDryRunWritesNothing: a dry run visits every record, in
// every form of store, and writes neither a record nor a checkpoint.
func TestRotateDEKsDryRunWritesNothing(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ks := fill(t, e, 12)
			before := commitments(t, e, ks)
			cp := &vault.MemCheckpoints{}
			v := mustVault(t, form(e.store), e.keys)
			s, err := v.RotateDEKs(t.Context(), vault.DEKOptions{
				JobOptions: vault.JobOptions{Org: "acme", PageSize: 5, DryRun: true}, Checkpoints: cp})
			if err != nil || s.Done != 12 || s.Failed != 0 {
				t.Fatalf("dry run: %+v, %v", s.Progress, err)
			}
			for i, c := range commitments(t, e, ks) {
				if c != before[i] {
					t.Fatalf("the dry run rewrote %s", ks[i])
				}
			}
			if _, ok, _ := cp.LoadCheckpoint(t.Context(), "dek/acme"); ok {
				t.Fatal("the dry run saved a checkpoint")
			}
		})
	}
}
