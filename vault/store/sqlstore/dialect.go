package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// A Dialect is the SQL database a Store talks to.
type Dialect int

// The supported dialects.
const (
	// SQLite is modernc.org/sqlite, database/sql driver name "sqlite".
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL through github.com/jackc/pgx/v5/stdlib,
	// database/sql driver name "pgx", which vault/store/sqlstore/pgsql
	// registers: a program using Postgres imports that package.
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// valid reports whether d is a supported dialect.
func (d Dialect) valid() bool { return d == SQLite || d == Postgres }

// rebind rewrites the '?' placeholders of query into d's syntax. Queries in
// this package never contain '?' outside placeholders.
func (d Dialect) rebind(query string) string {
	if d != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// sqliteTimeLayout is how SQLite stores timestamps: ISO 8601 in UTC with a
// fixed-width fraction, so text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// timeArg returns t as a query argument for d's timestamp column.
func (d Dialect) timeArg(t time.Time) any {
	if d == SQLite {
		return t.UTC().Format(sqliteTimeLayout)
	}
	return t.UTC()
}
