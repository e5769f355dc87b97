package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// Environment of the crash helper: the test binary re-executed in a mode
// that runs one rotation job and exits (see TestMain).
const (
	crashModeEnv = "CREDVAULT_CRASH_MODE" // "rewrap" or "dek"
	crashDBEnv   = "CREDVAULT_CRASH_DB"   // SQLite file
	crashKeysEnv = "CREDVAULT_CRASH_KEYS" // kek/local keyset directory
	crashRootEnv = "CREDVAULT_CRASH_ROOT" // root key, base64 (a test key)
	crashOrg     = "acme"
	crashRecords = 10_000
	crashKills   = 20
)

// TestMain runs the crash helper instead of the tests when the crash
// test started this binary as its child.
func TestMain(m *testing.M) {
	if holder := os.Getenv(leaseWorkerEnv); holder != "" {
		if err := runLeaseWorker(holder); err != nil {
			fmt.Fprintln(os.Stderr, "lease worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if mode := os.Getenv(crashModeEnv); mode != "" {
		if err := runCrashHelper(mode); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runCrashHelper runs one rotation job over the shared database and
// keysets, checkpointing in the database, until done or killed.
func runCrashHelper(mode string) error {
	ctx := context.Background()
	root, err := local.RootKeyFromEnv(crashRootEnv)
	if err != nil {
		return err
	}
	keys, err := local.Open(os.Getenv(crashKeysEnv), root)
	if err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, "sqlite://"+os.Getenv(crashDBEnv))
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := vault.New(st, keys)
	if err != nil {
		return err
	}
	// The rate limit stretches a full job to a second or two, so most random
	// kill points land inside a running job rather than after it.
	job := vault.JobOptions{Org: crashOrg, Workers: 8, PageSize: 200, RatePerSecond: 10_000}
	var s vault.Summary
	switch mode {
	case "rewrap":
		s, err = v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: job})
	case "dek":
		s, err = v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: st})
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if err == nil && s.Failed > 0 {
		err = fmt.Errorf("%d records failed: %v", s.Failed, s.Errors)
	}
	return err
}

// crashEnv is the parent's side of the crash test.
type crashEnv struct {
	dir, db, keysDir, rootB64 string
	dsn                       string // the store's: SQLite at db unless newCrashEnvOn was given one
	keys                      *local.Manager
	st                        *sqlstore.Store
	v                         *vault.Vault
}

func newCrashEnv(t *testing.T) *crashEnv { return newCrashEnvOn(t, "") }

// newCrashEnvOn is newCrashEnv on the store at dsn ("" means a SQLite
// file in the environment's directory).
func newCrashEnvOn(t *testing.T, dsn string) *crashEnv {
	dir := t.TempDir()
	raw := make([]byte, local.RootKeySize)
	for i := range raw {
		raw[i] = byte(rand.Uint32())
	}
	root, err := local.RootKeyFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := &crashEnv{dir: dir, db: filepath.Join(dir, "vault.db"), keysDir: filepath.Join(dir, "keys"),
		rootB64: base64.StdEncoding.EncodeToString(raw), dsn: dsn}
	if c.dsn == "" {
		c.dsn = "sqlite://" + c.db
	}
	if c.keys, err = local.Open(c.keysDir, root); err != nil {
		t.Fatal(err)
	}
	if err := c.keys.Create(t.Context(), crashOrg); err != nil {
		t.Fatal(err)
	}
	if c.st, err = sqlstore.Open(t.Context(), c.dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.st.Close() })
	if c.v, err = vault.New(c.st, c.keys); err != nil {
		t.Fatal(err)
	}
	seedRecords(t, c.v, c.st, crashOrg, crashRecords)
	return c
}

// start runs the helper in mode.
func (c *crashEnv) start(t *testing.T, mode string) (*exec.Cmd, *strings.Builder) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashModeEnv+"="+mode, crashDBEnv+"="+c.db,
		crashKeysEnv+"="+c.keysDir, crashRootEnv+"="+c.rootB64)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// TestRotationSurvivesSIGKILL runs KEK rewraps and DEK rotations over
// 10,000 SQLite records in a child process, kills it with SIGKILL at
// random points at least 20 times, checks after every kill that every
// record opens with its own value, and finally lets a rewrap finish and
// checks that every record is on the new key.
func TestRotationSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs rotation subprocesses for about half a minute; skipped with -short")
	}
	c := newCrashEnv(t)
	ctx := t.Context()
	kills := 0
	for round := 0; kills < crashKills; round++ {
		if round >= 3*crashKills {
			t.Fatalf("only %d of %d rounds killed a running job", kills, round)
		}
		mode := [...]string{"rewrap", "dek"}[round%2]
		if mode == "rewrap" && c.onOneKey(t) {
			if _, err := c.keys.Rotate(ctx, crashOrg); err != nil {
				t.Fatal(err)
			}
		}
		if c.killAtRandom(t, mode) {
			kills++
		}
		c.verifyAll(t)
	}
	current := c.finalRewrap(t)
	usage, err := c.v.KeyUsage(ctx, crashOrg)
	if err != nil || len(usage) != 1 || usage[current] != crashRecords {
		t.Fatalf("after the final rewrap: usage %v, %v; want all %d on %s", usage, err, crashRecords, current)
	}
	c.verifyAll(t)
	t.Logf("%d kills landed mid-job", kills)
}

// killAtRandom starts the helper, SIGKILLs it after a random delay, and
// reports whether it was still running (rather than finished) by then.
func (c *crashEnv) killAtRandom(t *testing.T, mode string) bool {
	cmd, stderr := c.start(t, mode)
	time.Sleep(time.Duration(20+rand.IntN(400)) * time.Millisecond)
	_ = cmd.Process.Kill() // SIGKILL on Unix
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return false // finished before the kill
	case errors.As(err, &exit) && !exit.Exited():
		return true // killed by the signal
	}
	t.Fatalf("%s helper failed: %v\n%s", mode, err, stderr)
	return false
}

// finalRewrap rotates the KEK, runs a rewrap to completion and returns
// the new key ID.
func (c *crashEnv) finalRewrap(t *testing.T) string {
	current, err := c.keys.Rotate(t.Context(), crashOrg)
	if err != nil {
		t.Fatal(err)
	}
	cmd, stderr := c.start(t, "rewrap")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final rewrap: %v\n%s", err, stderr)
	}
	return current
}

// onOneKey reports whether every record is on the org's current key.
func (c *crashEnv) onOneKey(t *testing.T) bool {
	usage, err := c.v.KeyUsage(t.Context(), crashOrg)
	if err != nil {
		t.Fatal(err)
	}
	return len(usage) == 1
}

// verifyAll opens every record, page by page, two pages at a time, and
// checks that all crashRecords are there holding their own password.
func (c *crashEnv) verifyAll(t *testing.T) {
	ctx := t.Context()
	var mu sync.Mutex
	seen := 0
	var wg sync.WaitGroup
	q := vault.Query{Org: crashOrg, Limit: vault.MaxPageSize}
	for {
		p, err := c.st.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			n := checkOpens(t, c.v, p.Records)
			mu.Lock()
			seen += n
			mu.Unlock()
		})
		if !p.More {
			break
		}
		q.After = p.Next
	}
	wg.Wait()
	if seen != crashRecords {
		t.Fatalf("%d records open, want %d", seen, crashRecords)
	}
}

func TestRotateDEKsResumesFromCheckpoint(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ks := fill(t, e, 50)
	cp := &vault.MemCheckpoints{}
	cctx, cancel := context.WithCancel(ctx)
	pages := 0
	_, err := e.v.RotateDEKs(cctx, vault.DEKOptions{Checkpoints: cp, JobOptions: vault.JobOptions{Org: "acme", PageSize: 10, Workers: 2,
		Progress: func(vault.Progress) {
			if pages++; pages == 2 {
				cancel()
			}
		}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled job: %v", err)
	}
	if _, ok, _ := cp.LoadCheckpoint(ctx, "dek/acme"); !ok {
		t.Fatal("no checkpoint after two pages")
	}
	s, err := e.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 10}, Checkpoints: cp})
	// The resumed run's counts are the whole job's: the checkpoint
	// carries what the first run counted before it.
	if err != nil || !s.Resumed || s.Done != 50 || s.Total != 50 {
		t.Fatalf("resumed run: %+v, %v", s, err)
	}
	if _, ok, _ := cp.LoadCheckpoint(ctx, "dek/acme"); ok {
		t.Fatal("checkpoint left after a complete run")
	}
	for _, k := range ks {
		if _, _, err := e.v.Open(ctx, k); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
}

// flakyKEKs resolves each org's KEK, whose first Unwrap for registry
// fails as a KMS outage would.
func flakyKEKs(keys vault.KEKResolver, registry string) unwrapHook {
	var failed atomic.Bool
	return unwrapHook{keys, func(_ context.Context, aad kek.AAD, unwrap func() ([]byte, error)) ([]byte, error) {
		if bytes.Contains(aad.Data, []byte(registry)) && failed.CompareAndSwap(false, true) {
			return nil, kek.ErrUnavailable
		}
		return unwrap()
	}}
}

// stopAfter returns job options that cancel ctx's job after its nth
// progress report, and the job's context.
func stopAfter(ctx context.Context, opts vault.JobOptions, n int) (context.Context, vault.JobOptions) {
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
			v := mustVault(t, form(e.store), flakyKEKs(e.keys, ks[12].Registry))
			opts := vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 10, Workers: 2}, Checkpoints: &vault.MemCheckpoints{}}
			ctx, job := stopAfter(t.Context(), opts.JobOptions, 3)
			s, err := v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: opts.Checkpoints})
			if !errors.Is(err, context.Canceled) || s.Failed != 1 || s.Errors[0].Key != ks[12] {
				t.Fatalf("stopped run: %+v, %v, %v", s.Progress, s.Errors, err)
			}
			s, err = v.RotateDEKs(t.Context(), opts)
			if err != nil || !s.Resumed || s.Failed != 0 || s.Done != 40 {
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
