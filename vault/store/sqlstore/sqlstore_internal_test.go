package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"
)

// poolDriver is a database/sql driver whose connections do nothing, to
// observe the pool alone.
type poolDriver struct{}

func (poolDriver) Open(string) (driver.Conn, error) { return poolConn{}, nil }

type poolConn struct{}

func (poolConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (poolConn) Close() error                        { return nil }
func (poolConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }

func init() { sql.Register("credvault-pool-test", poolDriver{}) }

// TestPostgresPoolKeepsJobsConnections: on PostgreSQL, Open's pool keeps
// every connection a job used idle for the next page (database/sql's
// default keeps 2 and closes the rest), up to its bound.
func TestPostgresPoolKeepsJobsConnections(t *testing.T) {
	db, err := sql.Open("credvault-pool-test", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	configurePool(db, target{dialect: Postgres})
	conns := make([]*sql.Conn, postgresMaxConns)
	for i := range conns {
		if conns[i], err = db.Conn(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if st := db.Stats(); st.MaxOpenConnections != postgresMaxConns || st.Idle != postgresMaxConns {
		t.Errorf("pool: %d open at most, %d idle after a burst of %d; want %d and %d",
			st.MaxOpenConnections, st.Idle, postgresMaxConns, postgresMaxConns, postgresMaxConns)
	}
}
