// Command rotation is a service-style program that embeds key rotation
// jobs beside live traffic: writers and readers Put and Open credentials
// continuously while, on a schedule, the org's KEK is rotated and a
// RewrapKEK job moves every record onto the new key, and, every other
// time, a RotateDEKs job re-encrypts every record under a fresh DEK,
// keeping its checkpoint in the database. It runs for a bounded time,
// then checks that every record opens and holds the last value written,
// and exits 0.
//
//	go run ./examples/rotation -duration 5s -every 1s
//
// It keeps its SQLite database and keysets in a temporary directory
// (-dir to choose one) under a freshly generated root key.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// config is the program's flags.
type config struct {
	duration time.Duration
	every    time.Duration
	records  int
	dir      string
}

func main() {
	var cfg config
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long to run")
	flag.DurationVar(&cfg.every, "every", time.Second, "rotation schedule")
	flag.IntVar(&cfg.records, "records", 2000, "records to keep")
	flag.StringVar(&cfg.dir, "dir", "", "working directory (default: a temporary one)")
	flag.Parse()
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rotation:", err)
		os.Exit(1)
	}
}

const org = "acme"

// service is the running program: a vault, its keys, and the last value
// written per record.
type service struct {
	v     *vault.Vault
	st    *sqlstore.Store
	keys  *local.Manager
	out   io.Writer
	mu    sync.Mutex
	last  map[string]string // registry -> password last written
	puts  atomic.Int64
	opens atomic.Int64
}

// run sets up the service, runs traffic and the scheduled rotation for
// cfg.duration, then checks every record.
func run(ctx context.Context, cfg config, out io.Writer) error {
	s, cleanup, err := setUp(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := s.seed(ctx, cfg.records); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 2 {
		wg.Go(func() { errs <- s.writer(ctx, w, cfg.records) })
	}
	wg.Go(func() { errs <- s.reader(ctx, cfg.records) })
	wg.Go(func() { errs <- s.rotator(ctx, cfg.every) })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return s.check(context.Background())
}

// setUp opens the keysets and the SQLite store in cfg.dir (or a
// temporary directory).
func setUp(ctx context.Context, cfg config, out io.Writer) (*service, func(), error) {
	dir, cleanup := cfg.dir, func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "credvault-rotation-")
		if err != nil {
			return nil, nil, err
		}
		dir, cleanup = d, func() { os.RemoveAll(d) }
	}
	root, err := local.GenerateRootKey()
	if err != nil {
		return nil, cleanup, err
	}
	keys, err := local.Open(filepath.Join(dir, fmt.Sprintf("keysets-%d", time.Now().UnixNano())), root)
	if err != nil {
		return nil, cleanup, err
	}
	if err := keys.Create(ctx, org); err != nil {
		return nil, cleanup, err
	}
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(dir, fmt.Sprintf("vault-%d.db", time.Now().UnixNano())))
	if err != nil {
		return nil, cleanup, err
	}
	v, err := vault.New(st, keys)
	if err != nil {
		return nil, cleanup, err
	}
	s := &service{v: v, st: st, keys: keys, out: out, last: map[string]string{}}
	return s, func() { st.Close(); cleanup() }, nil
}

// registry names record i.
func registry(i int) string { return fmt.Sprintf("reg-%05d", i) }

// put writes a new password to record i and remembers it.
func (s *service) put(ctx context.Context, i int, n int64) error {
	pw := fmt.Sprintf("pw-%d-%d", i, n)
	c := credentials.UsernamePassword{Username: "deploy-bot", Password: credentials.NewSecret(pw)}
	s.mu.Lock() // held across the write so last matches the store's order
	defer s.mu.Unlock()
	_, err := s.v.Put(ctx, vault.Key{Org: org, Registry: registry(i)},
		vault.Entry{Provider: "DOCKER_REGISTRY", URL: "https://registry.example", Credential: c})
	if err != nil {
		return err
	}
	s.last[registry(i)] = pw
	s.puts.Add(1)
	return nil
}

// seed writes the initial records.
func (s *service) seed(ctx context.Context, n int) error {
	for i := range n {
		if err := s.put(ctx, i, 0); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.out, "seeded %d records\n", n)
	return nil
}

// writer keeps rewriting records until ctx ends.
func (s *service) writer(ctx context.Context, w, n int) error {
	for k := int64(1); ctx.Err() == nil; k++ {
		if err := s.put(ctx, int((k*7919+int64(w)*104729)%int64(n)), k); err != nil && ctx.Err() == nil {
			return fmt.Errorf("put: %w", err)
		}
	}
	return nil
}

// reader keeps opening records until ctx ends.
func (s *service) reader(ctx context.Context, n int) error {
	for k := 0; ctx.Err() == nil; k++ {
		_, _, err := s.v.Open(ctx, vault.Key{Org: org, Registry: registry(k % n)})
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("open: %w", err)
		}
		s.opens.Add(1)
	}
	return nil
}

// rotator runs a rotation on each tick: a KEK rotation, then a DEK
// rotation, in turn.
func (s *service) rotator(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rotate := s.rotateKEK
		if tick%2 == 1 {
			rotate = s.rotateDEKs
		}
		if err := rotate(ctx); err != nil && ctx.Err() == nil {
			return err // a failure, not the end of the run
		}
	}
}

// rotateKEK adds a KEK version and moves every record onto it. A rewrap
// keeps no checkpoint: one interrupted at shutdown leaves its remaining
// records under the old key, where the next rewrap finds them.
func (s *service) rotateKEK(ctx context.Context) error {
	id, err := s.keys.Rotate(ctx, org)
	if err != nil {
		return err
	}
	sum, err := s.v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: org, Workers: 4}})
	if ok, err := s.finished(ctx, "rotation to "+id, sum, err); !ok {
		return err
	}
	fmt.Fprintf(s.out, "rotated to %s: %d rewrapped, %d skipped in %s; traffic so far: %d puts, %d opens\n",
		id, sum.Done, sum.Skipped, sum.Elapsed.Round(time.Millisecond), s.puts.Load(), s.opens.Load())
	return nil
}

// rotateDEKs re-encrypts every record under a fresh DEK, with its
// checkpoint in the database: one interrupted at shutdown resumes after
// its last complete page when the service next runs it.
func (s *service) rotateDEKs(ctx context.Context) error {
	sum, err := s.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: org, Workers: 4}, Checkpoints: s.st})
	if ok, err := s.finished(ctx, "DEK rotation", sum, err); !ok {
		return err
	}
	fmt.Fprintf(s.out, "fresh DEKs: %d re-encrypted, %d skipped (resumed: %t) in %s\n",
		sum.Done, sum.Skipped, sum.Resumed, sum.Elapsed.Round(time.Millisecond))
	return nil
}

// finished reports whether a job ran to its end. One that ctx ended at
// shutdown is reported, and is no failure; one that failed returns its
// error.
func (s *service) finished(ctx context.Context, job string, sum vault.Summary, err error) (bool, error) {
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(s.out, "%s interrupted at shutdown after %d records\n", job, sum.Done)
		return false, nil
	case err != nil || sum.Failed > 0:
		return false, fmt.Errorf("%s: %d failed: %w", job, sum.Failed, err)
	}
	return true, nil
}

// check opens every record and compares it with the last value written.
func (s *service) check(ctx context.Context) error {
	usage, err := s.v.KeyUsage(ctx, org)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for reg, want := range s.last {
		e, _, err := s.v.Open(ctx, vault.Key{Org: org, Registry: reg})
		if err != nil {
			return fmt.Errorf("final check: %s: %w", reg, err)
		}
		if e.Credential.(credentials.UsernamePassword).Password.Reveal() != want {
			return fmt.Errorf("final check: %s does not hold the last value written", reg)
		}
	}
	fmt.Fprintf(s.out, "final check: all %d records open with their last value; records per key: %v\n", len(s.last), usage)
	return nil
}
