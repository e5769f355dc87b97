package vault_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

func TestRunLeasedOneHolder(t *testing.T) {
	st := memstore.New()
	a := vault.LeaseOptions{Leaser: st, Holder: "a", TTL: time.Minute}
	b := vault.LeaseOptions{Leaser: st, Holder: "b", TTL: time.Minute}
	err := vault.RunLeased(t.Context(), a, "rewrap/acme", func(ctx context.Context) error {
		l, ok := vault.LeaseFromContext(ctx)
		if !ok || l.Holder != "a" || l.Name != "rewrap/acme" || l.Token == 0 {
			t.Errorf("LeaseFromContext = %+v, %v", l, ok)
		}
		return vault.RunLeased(ctx, b, "rewrap/acme", func(context.Context) error {
			t.Error("b ran while a held the lease")
			return nil
		})
	})
	if !errors.Is(err, vault.ErrLeaseHeld) {
		t.Fatalf("RunLeased by b under a: %v, want ErrLeaseHeld", err)
	}
	ran := false
	if err := vault.RunLeased(t.Context(), b, "rewrap/acme", func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("RunLeased after a released: ran %v, %v", ran, err)
	}
}

func TestRunLeasedNoLeaser(t *testing.T) {
	ran := false
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{}, "rewrap/acme", func(ctx context.Context) error {
		_, ok := vault.LeaseFromContext(ctx)
		ran = !ok
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("RunLeased without a leaser: ran %v, %v", ran, err)
	}
	err = vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: memstore.New()}, "x", func(context.Context) error { return nil })
	if !errors.Is(err, vault.ErrInvalidEntry) {
		t.Fatalf("RunLeased without a holder: %v, want ErrInvalidEntry", err)
	}
}

// renewHook is a Leaser whose renewals go through a hook.
type renewHook struct {
	vault.Leaser
	renew func(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error)
}

func (h renewHook) RenewLease(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error) {
	return h.renew(ctx, l, ttl)
}

func TestRunLeasedLostStopsJob(t *testing.T) {
	st := memstore.New()
	ls := renewHook{Leaser: st, renew: func(context.Context, vault.Lease, time.Duration) (vault.Lease, error) {
		return vault.Lease{}, vault.ErrLeaseLost
	}}
	var cause error
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: 30 * time.Millisecond}, "dek/acme",
		func(ctx context.Context) error {
			<-ctx.Done()
			cause = context.Cause(ctx)
			return ctx.Err()
		})
	if !errors.Is(err, vault.ErrLeaseLost) || !errors.Is(cause, vault.ErrLeaseLost) {
		t.Fatalf("RunLeased = %v (job cancelled by %v), want ErrLeaseLost", err, cause)
	}
}

// TestRunLeasedStopsBeforeExpiry has renewals hang, as against an
// unreachable store: the job must be stopped by the deadline of the
// first renewal, two thirds into the term.
func TestRunLeasedStopsBeforeExpiry(t *testing.T) {
	st := memstore.New()
	const ttl = 60 * time.Millisecond
	var deadline time.Time
	ls := renewHook{Leaser: st, renew: func(ctx context.Context, _ vault.Lease, _ time.Duration) (vault.Lease, error) {
		deadline, _ = ctx.Deadline()
		<-ctx.Done()
		return vault.Lease{}, ctx.Err()
	}}
	var cause error
	var term vault.Lease
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: ttl}, "dek/acme",
		func(ctx context.Context) error {
			term, _ = vault.LeaseFromContext(ctx)
			<-ctx.Done()
			cause = context.Cause(ctx)
			return nil
		})
	if !errors.Is(err, vault.ErrLeaseLost) || !errors.Is(cause, vault.ErrLeaseLost) {
		t.Fatalf("RunLeased = %v (job cancelled by %v), want ErrLeaseLost", err, cause)
	}
	// The store stamped the term after RunLeased sent the request: the
	// job must stop by two thirds of a term counted from there.
	if deadline.IsZero() || deadline.After(term.Acquired.Add(2*ttl/3)) {
		t.Fatalf("renewal deadline %v after the term began, want at most %v", deadline.Sub(term.Acquired), 2*ttl/3)
	}
}

// TestRunLeasedWatchdog has a renewal hang without honouring its
// context: the job must still be stopped.
func TestRunLeasedWatchdog(t *testing.T) {
	st := memstore.New()
	unblock := make(chan struct{})
	ls := renewHook{Leaser: st, renew: func(context.Context, vault.Lease, time.Duration) (vault.Lease, error) {
		<-unblock
		return vault.Lease{}, errors.New("too late")
	}}
	var cause error
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: 60 * time.Millisecond}, "dek/acme",
		func(ctx context.Context) error {
			<-ctx.Done()
			cause = context.Cause(ctx)
			close(unblock)
			return nil
		})
	if !errors.Is(err, vault.ErrLeaseLost) || !errors.Is(cause, vault.ErrLeaseLost) {
		t.Fatalf("RunLeased = %v (job cancelled by %v), want ErrLeaseLost", err, cause)
	}
}

func TestRunLeasedRenewsThroughHiccup(t *testing.T) {
	st := memstore.New()
	var calls atomic.Int32
	renewed := make(chan struct{}, 8)
	ls := renewHook{Leaser: st, renew: func(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error) {
		if calls.Add(1) == 1 {
			return vault.Lease{}, errors.New("connection reset")
		}
		renewed <- struct{}{}
		return st.RenewLease(ctx, l, ttl)
	}}
	// A term long enough that a loaded machine cannot miss the watchdog.
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: 1500 * time.Millisecond}, "dek/acme",
		func(ctx context.Context) error {
			for range 2 {
				select {
				case <-renewed:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
			return nil
		})
	if err != nil {
		t.Fatalf("RunLeased through a failed renewal: %v", err)
	}
}

func TestRewrapUnderLease(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	seedRecords(t, e.v, e.store, "acme", 20)
	if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	held, err := e.store.AcquireLease(ctx, "rewrap/acme", "other", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	opts := vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme",
		Lease: vault.LeaseOptions{Leaser: e.store, Holder: "me", TTL: time.Minute}}}
	if _, err := e.v.RewrapKEK(ctx, opts); !errors.Is(err, vault.ErrLeaseHeld) {
		t.Fatalf("RewrapKEK while another holds the lease: %v, want ErrLeaseHeld", err)
	}
	if err := e.store.ReleaseLease(ctx, held); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var done, heldErrs atomic.Int64
	for _, holder := range []string{"r1", "r2", "r3", "r4"} {
		wg.Go(func() {
			o := opts
			o.Lease.Holder = holder
			s, err := e.v.RewrapKEK(ctx, o)
			switch {
			case errors.Is(err, vault.ErrLeaseHeld):
				heldErrs.Add(1)
			case err != nil:
				t.Errorf("%s: %v", holder, err)
			}
			done.Add(s.Done)
		})
	}
	wg.Wait()
	if done.Load() != 20 {
		t.Fatalf("replicas rewrapped %d records in all (%d refused by the lease), want exactly 20", done.Load(), heldErrs.Load())
	}
}

// The leased-rewrap SIGKILL test: replicas are this test binary
// re-executed as workers (see TestMain), against one PostgreSQL.
const (
	leaseWorkerEnv = "CREDVAULT_LEASE_WORKER" // the worker's holder name
	leaseDSNEnv    = "CREDVAULT_LEASE_DSN"    // the shared store
	leaseReplicas  = 4
	leaseKills     = 20
	leaseTTL       = 2 * time.Second
	leaseName      = "rewrap/" + crashOrg
)

// runLeaseWorker is one replica: it runs the org's rewrap under the
// lease until a run completes with every record on the current key,
// trying again while another replica holds the lease. Its connections
// carry its name as application_name, which the test's trigger logs
// with every write.
func runLeaseWorker(holder string) error {
	ctx := context.Background()
	root, err := local.RootKeyFromEnv(crashRootEnv)
	if err != nil {
		return err
	}
	keys, err := local.Open(os.Getenv(crashKeysEnv), root)
	if err != nil {
		return err
	}
	dsn := os.Getenv(leaseDSNEnv)
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := vault.New(st, keys)
	if err != nil {
		return err
	}
	// The rate limit (records per second) stretches the job to seconds,
	// so that the kills land inside it.
	opts := vault.RewrapOptions{JobOptions: vault.JobOptions{Org: crashOrg, Workers: 4, PageSize: 100, RatePerSecond: 1000,
		Lease: vault.LeaseOptions{Leaser: st, Holder: holder, TTL: leaseTTL}}}
	for {
		s, err := v.RewrapKEK(ctx, opts)
		switch {
		case errors.Is(err, vault.ErrLeaseHeld), errors.Is(err, vault.ErrLeaseLost):
			time.Sleep(20 * time.Millisecond)
			continue
		case err != nil:
			return err
		case s.Failed > 0:
			return fmt.Errorf("%d records failed: %v", s.Failed, s.Errors)
		}
		if usage, err := st.KeyUsage(ctx, crashOrg); err != nil || len(usage) == 1 {
			return err
		}
	}
}

// testPostgresDSN returns the test server's DSN, or skips the test (fails
// it when CREDVAULT_REQUIRE_POSTGRES is set, as CI does).
func testPostgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("CREDVAULT_TEST_POSTGRES_DSN")
	switch {
	case dsn != "":
		return dsn
	case os.Getenv("CREDVAULT_REQUIRE_POSTGRES") != "":
		t.Fatal("CREDVAULT_TEST_POSTGRES_DSN not set but CREDVAULT_REQUIRE_POSTGRES is")
	default:
		t.Skip("CREDVAULT_TEST_POSTGRES_DSN not set")
	}
	return ""
}

// freshSchema creates a schema on the server at dsn, dropped when the
// test ends, and returns a DSN whose search_path is it, and the schema.
func freshSchema(t *testing.T, dsn string) (string, string) {
	t.Helper()
	schema := fmt.Sprintf("credvault_lease_%d", rand.Uint64()>>1)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		admin.Close()
	})
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	return withParam(t, dsn, "search_path", schema), schema
}

// withParam returns dsn with the connection parameter key set to value,
// for URL and keyword/value DSNs alike.
func withParam(t *testing.T, dsn, key, value string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " " + key + "=" + value
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal("the PostgreSQL DSN is not a URL")
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// leaseAudit creates the tables the check reads, each kept by a
// trigger, so that their times are the server's at the moment of the
// change: every version of the lease row, and every statement by which a
// replica (a connection whose application_name is "replica-...") changed
// records, with its row count, stamped inside the writing transaction.
func leaseAudit(t *testing.T, db *sql.DB, schema string) {
	t.Helper()
	for _, stmt := range []string{
		`CREATE TABLE lease_writes (holder TEXT NOT NULL, n BIGINT NOT NULL, at TIMESTAMPTZ NOT NULL)`,
		`CREATE FUNCTION ` + schema + `.log_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
			IF current_setting('application_name') LIKE 'replica-%' THEN
				INSERT INTO ` + schema + `.lease_writes
				SELECT current_setting('application_name'), COUNT(*), clock_timestamp() FROM new_rows HAVING COUNT(*) > 0;
			END IF;
			RETURN NULL; END $$`,
		`CREATE TRIGGER log_write AFTER UPDATE ON ` + schema + `.credvault_records
			REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ` + schema + `.log_write()`,
		`CREATE TABLE lease_history (name TEXT, holder TEXT, token BIGINT, acquired_at TIMESTAMPTZ, expires_at TIMESTAMPTZ)`,
		`CREATE FUNCTION ` + schema + `.log_lease() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
			INSERT INTO ` + schema + `.lease_history VALUES (NEW.name, NEW.holder, NEW.token, NEW.acquired_at, NEW.expires_at);
			RETURN NEW; END $$`,
		`CREATE TRIGGER log_lease AFTER INSERT OR UPDATE ON ` + schema + `.credvault_leases
			FOR EACH ROW EXECUTE FUNCTION ` + schema + `.log_lease()`,
	} {
		if _, err := db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// A replica is one worker process.
type replica struct {
	cmd    *exec.Cmd
	done   chan error
	stderr *strings.Builder
}

// startReplica starts a worker named holder.
func (c *crashEnv) startReplica(t *testing.T, holder string) *replica {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leaseWorkerEnv+"="+holder, leaseDSNEnv+"="+withParam(t, c.dsn, "application_name", holder),
		crashKeysEnv+"="+c.keysDir, crashRootEnv+"="+c.rootB64)
	r := &replica{cmd: cmd, done: make(chan error, 1), stderr: &strings.Builder{}}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return r
}

// holderNow returns the lease's running term, token 0 when none runs.
func holderNow(t *testing.T, db *sql.DB) (string, int64) {
	var holder string
	var token int64
	err := db.QueryRowContext(t.Context(), `SELECT holder, token FROM credvault_leases
		WHERE name = $1 AND expires_at > clock_timestamp()`, leaseName).Scan(&holder, &token)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return holder, token
}

// TestLeasedRewrapSurvivesSIGKILL runs 4 replicas (processes) of a
// leased rewrap of 10,000 records on one PostgreSQL, SIGKILLs the lease
// holder at random 20 times while puts race the job, and checks that
// every record opens with its latest value, that the job finished on the
// current key, and that every write the job made fell inside its
// writer's own lease term (the term's holder, before its expiry and
// before the next term began): at most one replica wrote in any term.
func TestLeasedRewrapSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs replica subprocesses for about a minute; skipped with -short")
	}
	dsn, schema := freshSchema(t, testPostgresDSN(t))
	c := newCrashEnvOn(t, dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	leaseAudit(t, db, schema)
	current, err := c.keys.Rotate(t.Context(), crashOrg)
	if err != nil {
		t.Fatal(err)
	}
	puts := startRacingPuts(t, c.v)
	replicas := map[string]*replica{}
	spawned := 0
	spawn := func() {
		spawned++
		holder := fmt.Sprintf("replica-%02d", spawned)
		replicas[holder] = c.startReplica(t, holder)
	}
	for range leaseReplicas {
		spawn()
	}
	kills := killHolders(t, c, db, replicas, spawn)
	puts.stop()
	for holder, r := range replicas {
		select {
		case err := <-r.done:
			if err != nil {
				t.Fatalf("%s: %v\n%s", holder, err, r.stderr)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s did not finish", holder)
		}
	}
	usage, err := c.v.KeyUsage(t.Context(), crashOrg)
	if err != nil || len(usage) != 1 || usage[current] != crashRecords {
		t.Fatalf("after the job: key usage %v, %v; want all %d records on %s", usage, err, crashRecords, current)
	}
	puts.verify(t, c)
	terms, writes, rows := checkLeaseTerms(t, db)
	t.Logf("%d SIGKILLs of the holder, %d replicas started, %d lease terms, %d terms wrote in %d statements (%d records), %d racing puts",
		kills, spawned, terms, writes, rows, sumWrites(t, db), puts.n.Load())
}

// killHolders SIGKILLs the lease holder at a random moment once it has
// written (up to 200 ms after its first batch), leaseKills times, starting a replacement replica each time, and
// returns the kills.
func killHolders(t *testing.T, c *crashEnv, db *sql.DB, replicas map[string]*replica, spawn func()) int {
	kills := 0
	var seen int64
	deadline := time.Now().Add(3 * time.Minute)
	for kills < leaseKills {
		if time.Now().After(deadline) {
			t.Fatalf("only %d kills in 3 minutes", kills)
		}
		holder, token := holderNow(t, db)
		if token == 0 || token == seen {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if !wroteSince(t, db, holder, token) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		seen = token
		time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
		r := replicas[holder]
		if h, tok := holderNow(t, db); r == nil || h != holder || tok != token {
			continue // the term ended meanwhile
		}
		_ = r.cmd.Process.Kill() // SIGKILL
		err := <-r.done
		if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.Exited() {
			t.Fatalf("%s was not killed (%v): the job finished after %d kills\n%s", holder, err, kills, r.stderr)
		}
		delete(replicas, holder)
		kills++
		spawn()
	}
	if usage, err := c.v.KeyUsage(t.Context(), crashOrg); err != nil || len(usage) == 1 {
		t.Fatalf("the job finished during the kills (%v, %v): make it longer", usage, err)
	}
	return kills
}

// wroteSince reports whether holder has written since its term token
// began.
func wroteSince(t *testing.T, db *sql.DB, holder string, token int64) bool {
	var n int
	err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM lease_writes WHERE holder = $1
		AND at >= (SELECT MIN(acquired_at) FROM lease_history WHERE name = $2 AND token = $3)`, holder, leaseName, token).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// racingPuts overwrite random records while the job runs, remembering
// each record's latest value.
type racingPuts struct {
	mu     sync.Mutex
	latest map[int]string
	n      atomic.Int64
	quit   chan struct{}
	wg     sync.WaitGroup
}

// racedRecords is how many records the racing puts overwrite: a fifth,
// so that the job still has most of the work to do.
const racedRecords = crashRecords / 5

// startRacingPuts starts two putters over disjoint halves of the raced
// records.
func startRacingPuts(t *testing.T, v *vault.Vault) *racingPuts {
	p := &racingPuts{latest: map[int]string{}, quit: make(chan struct{})}
	for half := range 2 {
		p.wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-p.quit:
					return
				default:
				}
				i := 2*rand.IntN(racedRecords/2) + half
				pw := fmt.Sprintf("pw-%d-%d", i, n)
				cred := credentials.UsernamePassword{Username: "deploy-bot", Password: credentials.NewSecret(pw)}
				if _, err := v.Put(context.Background(), seedKey(crashOrg, i), entry(cred)); err != nil {
					t.Errorf("racing put: %v", err)
					return
				}
				p.n.Add(1)
				p.mu.Lock()
				p.latest[i] = pw
				p.mu.Unlock()
				time.Sleep(time.Millisecond) // racing, not flooding the server

			}
		})
	}
	return p
}

func (p *racingPuts) stop() {
	close(p.quit)
	p.wg.Wait()
}

// verify opens every record and checks it holds its latest value.
func (p *racingPuts) verify(t *testing.T, c *crashEnv) {
	seen := 0
	q := vault.Query{Org: crashOrg, Limit: vault.MaxPageSize}
	for {
		page, err := c.st.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Records {
			e, err := c.v.OpenRecord(t.Context(), rec)
			if err != nil {
				t.Fatalf("%s does not open: %v", rec.Key, err)
			}
			i, _ := strconv.Atoi(strings.TrimPrefix(rec.Registry, "reg-"))
			want, ok := p.latest[i]
			if !ok {
				want = fmt.Sprintf("pw-%d", i)
			}
			if up, ok := e.Credential.(credentials.UsernamePassword); !ok || up.Password.Reveal() != want {
				t.Fatalf("%s does not hold its latest value", rec.Key)
			}
			seen++
		}
		if !page.More {
			break
		}
		q.After = page.Next
	}
	if seen != crashRecords {
		t.Fatalf("%d records, want %d", seen, crashRecords)
	}
}

// A term is one lease term as the history recorded it.
type term struct {
	token         int64
	holder        string
	start, expiry time.Time
}

// leaseHistory returns the lease's terms in token order, checking that
// no token had two holders.
func leaseHistory(t *testing.T, db *sql.DB) []term {
	rows, err := db.QueryContext(t.Context(), `SELECT token, holder, MIN(acquired_at), MAX(expires_at) FROM lease_history
		WHERE name = $1 GROUP BY token, holder ORDER BY token`, leaseName)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var terms []term
	for rows.Next() {
		var tm term
		if err := rows.Scan(&tm.token, &tm.holder, &tm.start, &tm.expiry); err != nil {
			t.Fatal(err)
		}
		if n := len(terms); n > 0 && terms[n-1].token == tm.token {
			t.Fatalf("token %d held by %s and %s", tm.token, terms[n-1].holder, tm.holder)
		}
		terms = append(terms, tm)
	}
	return terms
}

// checkLeaseTerms checks every write a replica made against the lease
// history: at the moment of the write (the server's clock, inside the
// writing transaction) the term running, the last to begin before it,
// was the writer's own and had not expired. Terms never overlap, so at
// most one replica wrote during any term. It returns the terms, the
// terms that wrote, and the write statements.
func checkLeaseTerms(t *testing.T, db *sql.DB) (terms, wrote, writes int) {
	history := leaseHistory(t, db)
	rows, err := db.QueryContext(t.Context(), `SELECT holder, at FROM lease_writes ORDER BY at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	writers := map[int64]bool{}
	for rows.Next() {
		var holder string
		var at time.Time
		if err := rows.Scan(&holder, &at); err != nil {
			t.Fatal(err)
		}
		i := sort.Search(len(history), func(i int) bool { return history[i].start.After(at) }) - 1
		switch {
		case i < 0:
			t.Fatalf("%s wrote at %v before any term", holder, at)
		case history[i].holder != holder:
			t.Fatalf("%s wrote at %v during term %d of %s", holder, at, history[i].token, history[i].holder)
		case at.After(history[i].expiry):
			t.Fatalf("%s wrote at %v after its term %d expired at %v", holder, at, history[i].token, history[i].expiry)
		}
		writers[history[i].token] = true
		writes++
	}
	return len(history), len(writers), writes
}

// sumWrites returns how many records the job's logged batches wrote.
func sumWrites(t *testing.T, db *sql.DB) int64 {
	var n int64
	if err := db.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(n), 0) FROM lease_writes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// replicaRecords is BenchmarkReplicas' org size.
const replicaRecords = 20_000

// BenchmarkReplicas measures a leased job over 20,000 records on
// PostgreSQL (when CREDVAULT_TEST_POSTGRES_DSN is set; SQLite otherwise)
// run by one replica, then by 4 competing replicas, in the same run:
// "rewrap" a KEK rewrap after a rotation, "dek" a DEK rotation (which
// also lands every record on the KEK's current key). The replicas are
// goroutines, each with its own Store (its own connection pool) and Vault
// over the shared keys. Each runs the job under its lease once, as a
// scheduler tick does: one takes the lease and does the job, the others
// get ErrLeaseHeld and skip it. It reports "slowdown" (the 4-replica wall
// time, until every replica has returned, over the 1-replica one) and
// "rewraps/record" of the 4-replica run (records re-encrypted over
// records: 1 when exactly one replica did the work), and checks that the
// job is complete.
//
//	go test -run '^$' -bench BenchmarkReplicas -benchtime 3x ./vault
func BenchmarkReplicas(b *testing.B) {
	b.Run("rewrap", func(b *testing.B) {
		benchReplicas(b, func(ctx context.Context, v *vault.Vault, opts vault.JobOptions) (vault.Summary, error) {
			return v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: opts})
		})
	})
	b.Run("dek", func(b *testing.B) {
		benchReplicas(b, func(ctx context.Context, v *vault.Vault, opts vault.JobOptions) (vault.Summary, error) {
			return v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: opts, Checkpoints: v.Store().(vault.Checkpointer)})
		})
	})
}

// A replicaJob runs one leased job as a replica.
type replicaJob func(ctx context.Context, v *vault.Vault, opts vault.JobOptions) (vault.Summary, error)

func benchReplicas(b *testing.B, job replicaJob) {
	dsn := "sqlite://" + filepath.Join(b.TempDir(), "replicas.db")
	if pg := os.Getenv("CREDVAULT_TEST_POSTGRES_DSN"); pg != "" {
		dsn = pg
	}
	org := fmt.Sprintf("replicas-%d", time.Now().UnixNano())
	open := func() *sqlstore.Store { return openReplicaStore(b, dsn) }
	st := open()
	v, m := newLocalVault(b, st, org)
	seedRecords(b, v, st, org, replicaRecords)
	if st.Dialect() == sqlstore.Postgres {
		b.Cleanup(func() { deleteOrg(st, org) })
	}
	replicas := make([]*vault.Vault, 4)
	for i := range replicas {
		var err error
		if replicas[i], err = vault.New(open(), m); err != nil {
			b.Fatal(err)
		}
	}
	run := replicaRun{m: m, org: org, job: job}
	for i := range replicas { // warm up every replica: caches, connections, keysets
		run.once(b, replicas[i:i+1])
	}
	var one, four time.Duration
	var rewraps int64
	for i := 0; b.Loop(); i++ {
		if i%2 == 1 { // alternate which run follows the other
			four, rewraps = run.untimed(b, replicas, four, rewraps)
		}
		took, _ := run.once(b, replicas[:1])
		one += took
		if i%2 == 0 {
			four, rewraps = run.untimed(b, replicas, four, rewraps)
		}
	}
	b.ReportMetric(four.Seconds()/one.Seconds(), "slowdown")
	b.ReportMetric(float64(rewraps)/float64(replicaRecords*b.N), "rewraps/record")
	b.ReportMetric(float64(replicaRecords*b.N)/one.Seconds(), "records/s-1")
	b.ReportMetric(float64(replicaRecords*b.N)/four.Seconds(), "records/s-4")
}

// openReplicaStore opens a replica's store at dsn. On PostgreSQL the
// pool keeps as many idle connections as a job uses, as a service sizes
// it: with database/sql's default of 2, every run reconnects (and
// re-prepares) most of its connections, and a replica whose pool was
// idle longest pays most, which measures the pool, not the lease.
func openReplicaStore(b *testing.B, dsn string) *sqlstore.Store {
	ctx := context.Background()
	var st *sqlstore.Store
	var err error
	if strings.HasPrefix(dsn, "sqlite:") {
		st, err = sqlstore.Open(ctx, dsn)
	} else {
		var db *sql.DB
		if db, err = sql.Open("pgx", dsn); err == nil {
			db.SetMaxIdleConns(4 * rotateWorkers)
			b.Cleanup(func() { db.Close() })
			st, err = sqlstore.New(ctx, db, sqlstore.Postgres)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// replicaRun runs job over org's records in replicas.
type replicaRun struct {
	m   *local.Manager
	org string
	job replicaJob
}

// untimed adds a run of replicas, untimed by b, to the totals.
func (r replicaRun) untimed(b *testing.B, replicas []*vault.Vault, four time.Duration, rewraps int64) (time.Duration, int64) {
	b.StopTimer()
	defer b.StartTimer()
	took, done := r.once(b, replicas)
	return four + took, rewraps + done
}

// once rotates org's KEK (untimed), then has every replica run the job
// under the lease at once, checks that every record ends on the new key,
// and returns the wall time and the records re-encrypted in all.
func (r replicaRun) once(b *testing.B, replicas []*vault.Vault) (time.Duration, int64) {
	ctx := context.Background()
	current, err := r.m.Rotate(ctx, r.org)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i, v := range replicas {
		wg.Go(func() {
			opts := vault.JobOptions{Org: r.org, Workers: rotateWorkers,
				Lease: vault.LeaseOptions{Leaser: v.Store().(vault.Leaser), Holder: fmt.Sprint("replica-", i)}}
			s, err := r.job(ctx, v, opts)
			done.Add(s.Done)
			if (err != nil && !errors.Is(err, vault.ErrLeaseHeld)) || s.Failed > 0 {
				b.Errorf("replica %d: %+v, %v", i, s.Progress, err)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	usage, err := replicas[0].KeyUsage(ctx, r.org)
	if err != nil || len(usage) != 1 || usage[current] != replicaRecords {
		b.Fatalf("after the job: usage %v, %v; want all %d records on %s", usage, err, replicaRecords, current)
	}
	return took, done.Load()
}
