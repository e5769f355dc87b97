package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credvault/credvault/vault"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		dialect Dialect
		driver  string
		prefix  string // of the driver DSN, before the pragmas
		memory  bool
	}{
		{"sqlite:///var/lib/vault.db", SQLite, "sqlite", "file:/var/lib/vault.db?", false},
		{"sqlite:data/vault.db", SQLite, "sqlite", "file:data/vault.db?", false},
		{"sqlite:/tmp/odd ?#%.db", SQLite, "sqlite", "file:/tmp/odd %3f%23%25.db?", false},
		{"sqlite::memory:", SQLite, "sqlite", "file::memory:?", true},
		{"SQLite:///x.db", SQLite, "sqlite", "file:/x.db?", false},
		{"file:/var/vault.db", SQLite, "sqlite", "file:/var/vault.db?", false},
		{"file:/var/vault.db?mode=ro#frag", SQLite, "sqlite", "file:/var/vault.db?mode=ro&", false},
		{"file::memory:", SQLite, "sqlite", "file::memory:?", true},
		{"file:x?mode=memory&cache=shared", SQLite, "sqlite", "file:x?mode=memory&cache=shared&", true},
		{"postgres://u:p@h/db", Postgres, "pgx", "postgres://u:p@h/db", false},
		{"postgresql://h/db?sslmode=disable", Postgres, "pgx", "postgresql://h/db?sslmode=disable", false},
	}
	for _, tc := range tests {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := parseDSN(tc.dsn)
			if err != nil {
				t.Fatalf("parseDSN: %v", err)
			}
			if got.dialect != tc.dialect || got.driver != tc.driver || got.memory != tc.memory {
				t.Errorf("got %v/%s memory=%v, want %v/%s memory=%v", got.dialect, got.driver, got.memory, tc.dialect, tc.driver, tc.memory)
			}
			if !strings.HasPrefix(got.dsn, tc.prefix) {
				t.Errorf("driver DSN %q, want prefix %q", got.dsn, tc.prefix)
			}
			if tc.dialect == SQLite && !strings.HasSuffix(got.dsn, sqlitePragmas) {
				t.Errorf("driver DSN %q lacks the store's pragmas", got.dsn)
			}
		})
	}
}

// dsnReasons are every Reason a DSNError may give.
var dsnReasons = map[string]bool{
	reasonNoScheme: true, reasonScheme: true, reasonSQLiteHost: true, reasonEmptyPath: true, reasonNULInPath: true,
}

// FuzzParseDSN checks that parseDSN never panics and that a refusal says
// only a known reason and the DSN's own scheme, never the rest of the DSN.
func FuzzParseDSN(f *testing.F) {
	for _, seed := range []string{
		"", "sqlite:", "sqlite::memory:", "sqlite:///a/b.db", "sqlite://h/x", "sqlite:rel.db",
		"file:x.db?mode=ro", "postgres://u:p@h/db", "mysql://u:p@h/db", "a:", ":x", "sqlite:\x00",
		"1abc:x", "x+y-z.w:rest", strings.Repeat("s", 40) + ":x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		got, err := parseDSN(dsn)
		if err == nil {
			if !got.dialect.valid() || got.driver == "" || got.dsn == "" {
				t.Fatalf("parseDSN(%q) = %+v: incomplete target", dsn, got)
			}
			return
		}
		var de *DSNError
		if !errors.As(err, &de) || !errors.Is(err, ErrInvalidDSN) {
			t.Fatalf("parseDSN(%q): error %v is not a *DSNError", dsn, err)
		}
		if !dsnReasons[de.Reason] {
			t.Fatalf("parseDSN(%q): unknown reason %q", dsn, de.Reason)
		}
		if de.Scheme != "" && !strings.HasPrefix(strings.ToLower(dsn), de.Scheme+":") {
			t.Fatalf("parseDSN(%q): scheme %q is not the DSN's", dsn, de.Scheme)
		}
		if len(de.Scheme) > maxSchemeLen {
			t.Fatalf("parseDSN(%q): scheme of %d bytes", dsn, len(de.Scheme))
		}
	})
}

func TestRebind(t *testing.T) {
	q := `SELECT a FROM t WHERE (a, b) > (?, ?) AND c = ? LIMIT ?`
	if got := SQLite.rebind(q); got != q {
		t.Errorf("SQLite rebind changed the query: %q", got)
	}
	want := `SELECT a FROM t WHERE (a, b) > ($1, $2) AND c = $3 LIMIT $4`
	if got := Postgres.rebind(q); got != want {
		t.Errorf("Postgres rebind = %q, want %q", got, want)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 19, 30, 1, 123456000, time.FixedZone("X", 3600))
	var got time.Time
	for _, v := range []any{SQLite.timeArg(at), []byte(SQLite.timeArg(at).(string)), Postgres.timeArg(at)} {
		if err := (utcTime{&got}).Scan(v); err != nil {
			t.Fatalf("Scan(%v): %v", v, err)
		}
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("Scan(%v) = %v, want %v in UTC", v, got, at)
		}
	}
	for _, bad := range []any{int64(5), "yesterday", nil} {
		if err := (utcTime{&got}).Scan(bad); err == nil {
			t.Errorf("Scan(%v) succeeded", bad)
		}
	}
}

func TestDBErrorDropsRowValues(t *testing.T) {
	pgErr := &pgconn.PgError{
		Severity: "ERROR", Code: "23502", Message: "null value in column",
		Detail: `Failing row contains (\xdeadbeef)`, Where: "SQL function", InternalQuery: "INSERT",
		Hint: "hint", TableName: "credvault_records", ColumnName: "org",
	}
	err := dbError("put", pgErr)
	got, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		t.Fatalf("dbError lost the PgError: %v", err)
	}
	if got.Detail != "" || got.Where != "" || got.InternalQuery != "" || got.Hint != "" {
		t.Errorf("dbError kept row-bearing fields: %+v", got)
	}
	if got.Code != "23502" || got.TableName != "credvault_records" || got.ColumnName != "org" {
		t.Errorf("dbError dropped identifying fields: %+v", got)
	}
	if strings.Contains(err.Error(), "deadbeef") || !strings.HasPrefix(err.Error(), "sqlstore: put: ") {
		t.Errorf("dbError message %q", err)
	}
}

// openSQLite opens a Store on a temporary SQLite file.
func openSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), "sqlite://"+t.TempDir()+"/w.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	PinVersions(s) // these tests state exact versions
	return s
}

func TestWriterBatchOutcomes(t *testing.T) {
	s := openSQLite(t)
	ctx := t.Context()
	for _, reg := range []string{"a", "b", "c", "d"} {
		if _, err := s.Put(ctx, vault.Record{Key: vault.Key{Org: "o", Registry: reg}, KeyID: "k1"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A trigger makes one statement fail the way a full disk would.
	if _, err := s.db.ExecContext(ctx, `CREATE TRIGGER boom BEFORE UPDATE ON credvault_records
		WHEN NEW.key_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	update := func(ctx context.Context, reg, keyID string, expect int64) *writeReq {
		return &writeReq{ctx: ctx, done: make(chan []writeResult, 1), items: []writeItem{{stmt: s.stmts.update,
			args: []any{keyID, []byte{}, SQLite.timeArg(time.Now()), "o", reg, expect}}}}
	}
	batch := []*writeReq{
		update(ctx, "a", "k2", 1),       // wins
		update(ctx, "a", "k3", 1),       // loses to the first: version is 2 now
		update(ctx, "b", "boom", 1),     // fails
		update(cancelled, "c", "k2", 1), // refused: context ended
		update(ctx, "d", "k2", 1),       // wins
	}
	s.writer.commit(batch)
	want := []struct {
		rows int64
		err  error
	}{{1, nil}, {0, nil}, {0, errAny}, {0, context.Canceled}, {1, nil}}
	for i, r := range batch {
		res := <-r.done
		if len(res) != 1 {
			t.Fatalf("request %d: %d results", i, len(res))
		}
		got := res[0]
		switch {
		case want[i].err == errAny:
			if got.err == nil {
				t.Errorf("request %d: no error", i)
			}
		case !errors.Is(got.err, want[i].err) || got.rows != want[i].rows:
			t.Errorf("request %d: got %d rows, %v; want %d rows, %v", i, got.rows, got.err, want[i].rows, want[i].err)
		}
	}
	for reg, keyID := range map[string]string{"a": "k2", "b": "k1", "c": "k1", "d": "k2"} {
		rec, err := s.Get(ctx, vault.Key{Org: "o", Registry: reg})
		if err != nil || rec.KeyID != keyID {
			t.Errorf("record %s: %+v, %v; want key ID %s", reg, rec, err, keyID)
		}
	}
}

// errAny marks an expected error of any kind.
var errAny = errors.New("any error")

func TestClosedStore(t *testing.T) {
	s := openSQLite(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	k := vault.Key{Org: "o", Registry: "r"}
	if _, err := s.Get(t.Context(), k); !errors.Is(err, ErrClosed) {
		t.Errorf("Get: %v", err)
	}
	if _, err := s.Put(t.Context(), vault.Record{Key: k}, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Put: %v", err)
	}
	if err := s.Delete(t.Context(), k, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := s.List(t.Context(), vault.Query{}); !errors.Is(err, ErrClosed) {
		t.Errorf("List: %v", err)
	}
	if _, err := s.KeyUsage(t.Context(), ""); !errors.Is(err, ErrClosed) {
		t.Errorf("KeyUsage: %v", err)
	}
	if _, err := s.writer.exec(t.Context(), s.stmts.deleteAny, "o", "r"); !errors.Is(err, ErrClosed) {
		t.Errorf("writer after stop: %v", err)
	}
}

// FuzzScanTime checks that a timestamp column's text never panics the
// scanner and that what it accepts comes back in UTC.
func FuzzScanTime(f *testing.F) {
	for _, seed := range []string{
		"2026-11-23T19:30:01.123456Z", "2026-11-23T19:30:01Z", "2026-11-23T20:30:01+01:00",
		"", "2026-13-40T99:99:99Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var got time.Time
		for _, v := range []any{text, []byte(text)} {
			if err := (utcTime{&got}).Scan(v); err == nil && got.Location() != time.UTC {
				t.Fatalf("Scan(%q) = %v, not UTC", text, got)
			}
		}
	})
}
