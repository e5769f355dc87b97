package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault/store/sqlstore/internal/driver"
)

// withDriver makes d (nil: none) the registered PostgreSQL driver until
// the test ends. The test binary registers pgsql's driver (the external
// tests import it).
func withDriver(t *testing.T, d *Driver) {
	saved := driver.Replace(d)
	t.Cleanup(func() { driver.Replace(saved) })
}

// Driver is the registered driver type, named here for the tests.
type Driver = driver.Driver

// fakeDriver is a complete Driver that knows no error.
var fakeDriver = Driver{
	Name:      "fake",
	Retryable: func(error) bool { return false },
	Redact:    func(err error) error { return err },
}

// TestNoDriver: without pgsql imported, a PostgreSQL DSN or Dialect fails
// with a typed error that names the package to import, before any
// connection and without quoting the DSN.
func TestNoDriver(t *testing.T) {
	withDriver(t, nil)
	const password = "hunter2-s3cret"
	_, err := Open(t.Context(), "postgres://u:"+password+"@127.0.0.1:1/db")
	checkNoDriver(t, "Open", err)
	if strings.Contains(err.Error(), password) {
		t.Errorf("error repeats the DSN: %v", err)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = New(t.Context(), db, Postgres)
	checkNoDriver(t, "New", err)
}

// checkNoDriver requires err to be a *NoDriverError for Postgres.
func checkNoDriver(t *testing.T, op string, err error) {
	t.Helper()
	nd, ok := errors.AsType[*NoDriverError](err)
	if !ok || !errors.Is(err, ErrNoDriver) {
		t.Fatalf("%s: got %v, want a *NoDriverError", op, err)
	}
	if nd.Dialect != Postgres || nd.Import != postgresPackage || !strings.Contains(err.Error(), `import _ "`+postgresPackage+`"`) {
		t.Errorf("%s: %+v: %v", op, nd, err)
	}
}

// TestRegisterPostgres: registration refuses what database/sql.Register
// refuses, a second registration included.
func TestRegisterPostgres(t *testing.T) {
	noName, noRetry, noRedact := fakeDriver, fakeDriver, fakeDriver
	noName.Name, noRetry.Retryable, noRedact.Redact = "", nil, nil
	for name, drv := range map[string]Driver{"no name": noName, "no Retryable": noRetry, "no Redact": noRedact} {
		t.Run(name, func(t *testing.T) {
			withDriver(t, nil)
			mustPanic(t, func() { driver.RegisterPostgres(drv) })
		})
	}
	t.Run("twice", func(t *testing.T) {
		withDriver(t, nil)
		driver.RegisterPostgres(fakeDriver)
		mustPanic(t, func() { driver.RegisterPostgres(fakeDriver) })
		if got, err := driverName(Postgres); got != "fake" || err != nil {
			t.Errorf("driverName after the refused second registration: %q, %v", got, err)
		}
	})
}

// mustPanic fails the test unless f panics.
func mustPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	f()
}

// TestDriverHooks: every database error the store returns has passed the
// registered driver's Redact, and execRetry retries what its Retryable
// accepts.
func TestDriverHooks(t *testing.T) {
	errRow := errors.New("row (\\xdeadbeef)")
	errRedacted := errors.New("redacted")
	errAgain := errors.New("serialization failure")
	drv := fakeDriver
	drv.Redact = func(err error) error {
		if errors.Is(err, errRow) {
			return errRedacted
		}
		return err
	}
	drv.Retryable = func(err error) bool { return errors.Is(err, errAgain) }
	withDriver(t, &drv)

	err := dbError("put", fmt.Errorf("exec: %w", errRow))
	if errors.Is(err, errRow) || !errors.Is(err, errRedacted) || strings.Contains(err.Error(), "deadbeef") {
		t.Errorf("dbError kept the row: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "sqlstore: put: ") {
		t.Errorf("dbError message %q", err)
	}
	if !retryable(fmt.Errorf("exec: %w", errAgain)) || retryable(errRow) {
		t.Error("retryable does not follow the driver")
	}
	withDriver(t, nil)
	if err := dbError("get", errRow); !errors.Is(err, errRow) || retryable(errAgain) {
		t.Errorf("no driver: dbError %v, retryable %v", err, retryable(errAgain))
	}
}
