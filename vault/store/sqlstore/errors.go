package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors returned by Open and New, matched with errors.Is.
var (
	// ErrInvalidDSN: Open cannot use the DSN (unknown scheme, bad form).
	ErrInvalidDSN = errors.New("sqlstore: invalid DSN")
	// ErrSchemaTooNew: the database was migrated by newer code than this
	// package; the store refuses to touch it.
	ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this code")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("sqlstore: store closed")
	// ErrUnknownDialect: New was given a Dialect that is not SQLite or
	// Postgres.
	ErrUnknownDialect = errors.New("sqlstore: unknown dialect")
	// ErrNoDriver: the dialect's driver package is not imported (a
	// *NoDriverError says which).
	ErrNoDriver = errors.New("sqlstore: dialect driver not registered")
)

// A NoDriverError reports a DSN or Dialect whose driver package the
// program does not import, as database/sql does for an unknown driver.
type NoDriverError struct {
	// Dialect is the database asked for.
	Dialect Dialect
	// Import is the package to import for its side effect.
	Import string
}

// Error says which package to import.
func (e *NoDriverError) Error() string {
	return "sqlstore: no driver registered for " + e.Dialect.String() +
		`: add import _ "` + e.Import + `"`
}

// Unwrap returns ErrNoDriver.
func (e *NoDriverError) Unwrap() error { return ErrNoDriver }

// A DSNError explains why Open refused a DSN. It never holds the DSN
// itself, which may carry a password.
type DSNError struct {
	// Scheme is the DSN's scheme when it has a well-formed one.
	Scheme string
	// Reason says what is wrong.
	Reason string
}

// Error describes the problem without repeating the DSN.
func (e *DSNError) Error() string {
	if e.Scheme == "" {
		return "sqlstore: invalid DSN: " + e.Reason
	}
	return fmt.Sprintf("sqlstore: invalid DSN with scheme %q: %s", e.Scheme, e.Reason)
}

// Unwrap returns ErrInvalidDSN.
func (e *DSNError) Unwrap() error { return ErrInvalidDSN }

// A SchemaVersionError reports a database whose schema is newer than the
// newest migration this package knows.
type SchemaVersionError struct {
	// Database is the schema version recorded in the database.
	Database int64
	// Supported is the newest version this package can use: SchemaVersion.
	Supported int64
}

// Error states both versions.
func (e *SchemaVersionError) Error() string {
	return "sqlstore: database schema version " + strconv.FormatInt(e.Database, 10) +
		" is newer than the supported version " + strconv.FormatInt(e.Supported, 10)
}

// Unwrap returns ErrSchemaTooNew.
func (e *SchemaVersionError) Unwrap() error { return ErrSchemaTooNew }

// dbError wraps a database error with the operation that failed, after
// the registered drivers have removed the parts that can quote row values
// (PostgreSQL's Detail, Where, InternalQuery, Hint), so envelope bytes
// never travel in an error.
func dbError(op string, err error) error {
	return fmt.Errorf("sqlstore: %s: %w", op, redact(err))
}
