package sqlstore

import "github.com/credvault/credvault/vault/store/sqlstore/internal/driver"

// postgresPackage is the package that registers PostgreSQL.
const postgresPackage = "github.com/credvault/credvault/vault/store/sqlstore/pgsql"

// driverName returns the database/sql driver name for d, or a
// *NoDriverError naming the package to import when PostgreSQL is not
// registered.
func driverName(d Dialect) (string, error) {
	if d == SQLite {
		return "sqlite", nil
	}
	drv, ok := driver.Postgres()
	if !ok {
		return "", &NoDriverError{Dialect: d, Import: postgresPackage}
	}
	return drv.Name, nil
}

// redact applies the registered PostgreSQL driver's Redact to err.
func redact(err error) error {
	if drv, ok := driver.Postgres(); ok {
		return drv.Redact(err)
	}
	return err
}

// retryable reports whether the registered PostgreSQL driver says err
// aborted a statement that can run again.
func retryable(err error) bool {
	drv, ok := driver.Postgres()
	return ok && drv.Retryable(err)
}
