// Package driver is where package pgsql hands sqlstore the PostgreSQL
// database/sql driver that sqlstore does not link itself, so that a
// program using only SQLite links no PostgreSQL driver. It is the
// registration point of database/sql.Register, for the one dialect that
// needs it; applications never call it.
package driver

import "sync"

// A Driver is what pgsql registers for PostgreSQL.
type Driver struct {
	// Name is the database/sql driver name sqlstore passes to sql.Open.
	Name string
	// Retryable reports whether err aborted a statement that wrote
	// nothing and can simply run again (a serialization failure or a
	// deadlock).
	Retryable func(err error) bool
	// Redact returns err without the parts that can quote row values, so
	// envelope bytes never travel in an error; it returns an error it
	// does not know unchanged.
	Redact func(err error) error
}

var (
	mu       sync.RWMutex
	postgres *Driver
)

// RegisterPostgres makes sqlstore use d for PostgreSQL. Like
// database/sql.Register, it panics if d has an empty Name or a nil
// function, or if PostgreSQL is already registered: these are
// programming errors found at start-up.
func RegisterPostgres(d Driver) {
	if d.Name == "" || d.Retryable == nil || d.Redact == nil {
		panic("sqlstore: RegisterPostgres: incomplete driver")
	}
	mu.Lock()
	defer mu.Unlock()
	if postgres != nil {
		panic("sqlstore: RegisterPostgres: PostgreSQL registered twice")
	}
	postgres = &d
}

// Postgres returns the registered PostgreSQL driver, if any.
func Postgres() (Driver, bool) {
	mu.RLock()
	defer mu.RUnlock()
	if postgres == nil {
		return Driver{}, false
	}
	return *postgres, true
}

// Replace makes d (nil: none) the registered PostgreSQL driver and
// returns the one it replaces. It is for tests, which restore the
// previous driver when they end.
func Replace(d *Driver) *Driver {
	mu.Lock()
	defer mu.Unlock()
	old := postgres
	postgres = d
	return old
}
