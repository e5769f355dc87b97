// Package pgsql registers PostgreSQL with [sqlstore], the way database/sql
// drivers register themselves: a program that opens PostgreSQL stores
// imports it for its side effect,
//
//	import _ "github.com/credvault/credvault/vault/store/sqlstore/pgsql"
//
// and then passes sqlstore.Open a postgres:// or postgresql:// DSN, or
// sqlstore.New a *sql.DB with [sqlstore.Postgres]. A program that uses
// only SQLite does not import it and so links no PostgreSQL driver.
//
// Importing it registers the database/sql driver "pgx"
// (github.com/jackc/pgx/v5/stdlib) and tells sqlstore how to read
// PostgreSQL's errors: a serialization failure or deadlock (SQLSTATE 40001,
// 40P01) aborts a statement that sqlstore runs again, so a losing
// compare-and-swap still reports vault.ErrConflict; and an error is
// stripped of the fields that can quote row values (Detail, Where,
// InternalQuery, Hint) before sqlstore returns it.
package pgsql

import (
	"errors"

	"github.com/credvault/credvault/vault/store/sqlstore/internal/driver"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

func init() {
	driver.RegisterPostgres(driver.Driver{Name: "pgx", Retryable: retryable, Redact: redact})
}

// retryable reports whether err is a PostgreSQL serialization failure or
// deadlock, after which the aborted statement can simply run again.
func retryable(err error) bool {
	e, ok := errors.AsType[*pgconn.PgError](err)
	return ok && (e.Code == "40001" || e.Code == "40P01")
}

// redact replaces a PostgreSQL error by a copy without the fields that
// can quote row values; other errors pass unchanged.
func redact(err error) error {
	e, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		return err
	}
	return &pgconn.PgError{
		Severity:       e.Severity,
		Code:           e.Code,
		Message:        e.Message,
		SchemaName:     e.SchemaName,
		TableName:      e.TableName,
		ColumnName:     e.ColumnName,
		DataTypeName:   e.DataTypeName,
		ConstraintName: e.ConstraintName,
	}
}
