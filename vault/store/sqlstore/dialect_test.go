package sqlstore

import (
	"testing"
	"time"
)

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

func TestDialectString(t *testing.T) {
	for d, want := range map[Dialect]string{SQLite: "sqlite", Postgres: "postgres", 7: "Dialect(7)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}
