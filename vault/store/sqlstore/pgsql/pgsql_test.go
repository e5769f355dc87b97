package pgsql

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault/store/sqlstore/internal/driver"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credvault/credvault/vault/store/sqlstore"
)

func TestRedactDropsRowValues(t *testing.T) {
	pgErr := &pgconn.PgError{
		Severity: "ERROR", Code: "23502", Message: "null value in column",
		Detail: `Failing row contains (\xdeadbeef)`, Where: "SQL function", InternalQuery: "INSERT",
		Hint: "hint", TableName: "credvault_records", ColumnName: "org",
	}
	err := redact(fmt.Errorf("exec: %w", pgErr))
	got, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		t.Fatalf("redact lost the PgError: %v", err)
	}
	if got.Detail != "" || got.Where != "" || got.InternalQuery != "" || got.Hint != "" {
		t.Errorf("redact kept row-bearing fields: %+v", got)
	}
	if got.Code != "23502" || got.TableName != "credvault_records" || got.ColumnName != "org" {
		t.Errorf("redact dropped identifying fields: %+v", got)
	}
	if strings.Contains(err.Error(), "deadbeef") {
		t.Errorf("redacted message %q", err)
	}
	other := errors.New("not a PostgreSQL error")
	if redact(other) != other {
		t.Error("redact changed an error it does not know")
	}
}

func TestRetryable(t *testing.T) {
	for code, want := range map[string]bool{"40001": true, "40P01": true, "23505": false, "": false} {
		if got := retryable(fmt.Errorf("exec: %w", &pgconn.PgError{Code: code})); got != want {
			t.Errorf("retryable(SQLSTATE %q) = %v, want %v", code, got, want)
		}
	}
	if retryable(errors.New("40001")) {
		t.Error("retryable accepted a non-PostgreSQL error")
	}
}

// TestRegistered: importing the package registers PostgreSQL, once.
func TestRegistered(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second registration of Postgres did not panic")
		}
	}()
	_, err := sqlstore.Open(t.Context(), "postgres://u:p@127.0.0.1:1/db?connect_timeout=5")
	if err == nil || errors.Is(err, sqlstore.ErrNoDriver) {
		t.Errorf("Open with pgsql imported: %v, want a connection error", err)
	}
	driver.RegisterPostgres(driver.Driver{Name: "pgx", Retryable: retryable, Redact: redact})
}
