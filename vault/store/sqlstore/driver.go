package sqlstore

import (
	"sync"
)

// postgresPackage is the package that registers the Postgres dialect.
const postgresPackage = "github.com/credvault/credvault/vault/store/sqlstore/pgsql"

// A Driver is what a database package registers for a dialect whose SQL
// this package knows but whose database/sql driver it does not link, so
// that a program using only SQLite links no PostgreSQL driver.
type Driver struct {
	// Name is the database/sql driver name Open passes to sql.Open.
	Name string
	// Retryable reports whether err aborted a statement that wrote
	// nothing and can simply run again (PostgreSQL: a serialization
	// failure or a deadlock).
	Retryable func(err error) bool
	// Redact returns err without the parts that can quote row values, so
	// envelope bytes never travel in an error; it returns an error it
	// does not know unchanged.
	Redact func(err error) error
}

var drivers = struct {
	sync.RWMutex
	m map[Dialect]Driver
}{m: map[Dialect]Driver{}}

// Register makes Open and New use drv for dialect d. Package
// vault/store/sqlstore/pgsql calls it from init for Postgres; SQLite is
// built in.
//
// Like database/sql.Register, it panics if d is not a dialect that takes
// a registered driver, if drv has an empty Name or a nil function, or if
// d is already registered: these are programming errors found at
// start-up.
func Register(d Dialect, drv Driver) {
	if d != Postgres || drv.Name == "" || drv.Retryable == nil || drv.Redact == nil {
		panic("sqlstore: Register: invalid dialect or incomplete driver")
	}
	drivers.Lock()
	defer drivers.Unlock()
	if _, dup := drivers.m[d]; dup {
		panic("sqlstore: Register: dialect " + d.String() + " registered twice")
	}
	drivers.m[d] = drv
}

// lookupDriver returns the driver registered for d, or a
// *NoDriverError naming the package to import.
func lookupDriver(d Dialect) (Driver, error) {
	drivers.RLock()
	defer drivers.RUnlock()
	drv, ok := drivers.m[d]
	if !ok {
		return Driver{}, &NoDriverError{Dialect: d, Import: postgresPackage}
	}
	return drv, nil
}

// registered returns the registered drivers.
func registered() []Driver {
	drivers.RLock()
	defer drivers.RUnlock()
	out := make([]Driver, 0, len(drivers.m))
	for _, drv := range drivers.m {
		out = append(out, drv)
	}
	return out
}

// driverName returns the database/sql driver name for d.
func driverName(d Dialect) (string, error) {
	if d == SQLite {
		return "sqlite", nil
	}
	drv, err := lookupDriver(d)
	return drv.Name, err
}

// redact applies every registered driver's Redact to err.
func redact(err error) error {
	for _, drv := range registered() {
		err = drv.Redact(err)
	}
	return err
}

// retryable reports whether a registered driver says err aborted a
// statement that can run again.
func retryable(err error) bool {
	for _, drv := range registered() {
		if drv.Retryable(err) {
			return true
		}
	}
	return false
}
