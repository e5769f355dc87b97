// Package sqlstore is a [vault.Store] on SQL: SQLite (modernc.org/sqlite,
// pure Go, the embedded default) and PostgreSQL (github.com/jackc/pgx/v5),
// sharing one schema and one migration list.
//
// SQLite is built in. PostgreSQL registers itself the way database/sql
// drivers do: a program that uses it imports package
// vault/store/sqlstore/pgsql for its side effect,
//
//	import _ "github.com/credvault/credvault/vault/store/sqlstore/pgsql"
//
// so a program that uses only SQLite links no PostgreSQL driver. Without
// that import, a PostgreSQL DSN (or [New] with [Postgres]) fails with a
// [*NoDriverError] that names the package.
//
// # Opening
//
// [Open] takes a DSN and picks the database by its scheme:
//
//	sqlite:///var/lib/app/credvault.db   SQLite, absolute path (empty host)
//	sqlite:data/credvault.db             SQLite, path relative to the working directory
//	sqlite::memory:                      SQLite, private in-memory database, gone on Close
//	file:/var/lib/app/credvault.db?mode=rwc
//	                                     SQLite URI filename, passed to SQLite verbatim
//	postgres://user:pass@host:5432/db?sslmode=verify-full
//	postgresql://...                     PostgreSQL, any pgx connection URL
//
// After "sqlite:" the rest of the DSN is a file path taken literally: no
// query parameters and no percent-decoding. Use a "file:" URI for SQLite URI
// parameters. To every SQLite DSN Open adds the connection settings the
// store relies on: WAL journal, busy_timeout of 10 s, foreign_keys on,
// synchronous=NORMAL (durable across process crashes; a power loss may drop
// the last transactions but never corrupts the file) and immediate
// transactions. Any other scheme, or none, fails with a [*DSNError]; DSN
// errors never repeat the DSN, which may hold a password.
//
// [New] wraps a *sql.DB the caller opened and configured (for example a
// PostgreSQL keyword/value DSN such as "host=db user=app", which Open does
// not take, opened with sql.Open("pgx", dsn) after importing pgsql); the
// caller keeps ownership
// and [Store.Close] leaves it open.
//
// # Schema and migrations
//
// Records live in one table, credvault_records, keyed by (org, registry),
// with an index on (key_id, org, registry) for listing by KEK key ID. Text
// columns compare byte-wise (COLLATE "C" on PostgreSQL, BINARY on SQLite), so
// both databases list in the order [vault.Query] defines. Timestamps are
// stored in UTC with microsecond precision.
//
// Opening a store applies pending migrations, each in its own transaction,
// and records them in credvault_schema_migrations (prefixed so it cannot
// collide with the schema_migrations table of an application's own
// migration tool). Re-opening is a no-op. A database migrated by newer code
// than this package is refused with a [*SchemaVersionError] matching
// [ErrSchemaTooNew], rather than written in a format this code does not
// know.
//
// # Concurrency
//
// A Store is safe for concurrent use. Compare-and-swap is a single
// conditional UPDATE (or INSERT ... ON CONFLICT DO NOTHING for creation)
// whose affected-row count decides the outcome, so it holds across
// processes sharing one database. On PostgreSQL the Store's transactions
// run at READ COMMITTED, and a statement run on its own that the server
// aborts with a serialization failure or deadlock (as it can when the
// default isolation is REPEATABLE READ or SERIALIZABLE) is run again, so
// a losing compare-and-swap still reports [vault.ErrConflict].
//
// On SQLite, which runs one writer at a time, a Store funnels its writes
// through one goroutine that commits the writes arriving together in a
// single transaction (group commit): concurrent writers, such as a
// rotation job's workers, share the cost of a commit, while each write
// keeps its own compare-and-swap outcome. A write whose context ends
// while it waits in the queue is not run; once started it runs to its
// commit, so its outcome is never ambiguous. Reads use a small pool of
// connections that WAL lets run beside the writer. An in-memory SQLite
// database uses a single connection.
//
// # Batches and checkpoints
//
// A Store is also a [vault.BatchPutter]: PutBatch writes many records in
// one transaction, each under its own compare-and-swap, so a rotation job
// pays one commit per page rather than one per record. On SQLite the
// batch is one request to the writer; on PostgreSQL the updates go out as
// one UPDATE ... FROM unnest(...) statement (one round trip). A row whose
// statement fails, rather than losing its compare-and-swap, makes the
// batch fall back to writing each record on its own, so it cannot fail
// the others.
//
// It is a [vault.PageLister] as well: ListInto reads each row's envelope
// as driver memory (sql.RawBytes) and copies it into the caller's buffer,
// so a job paging through records reuses one page's memory for the next.
//
// A Store is a [vault.Checkpointer] too: rotation jobs keep their cursors
// in the credvault_checkpoints table (migration 2), so a job restarted
// after a crash resumes where its last completed page ended.
//
// # API keys
//
// A Store is an [apikey.Store] as well: API-key records (hashes only,
// never a key) live in the credvault_api_keys table (migration 4) of the
// same database, so a service keeps its sealed registries and the keys
// that call it in one place. apikey/keystoretest checks both dialects.
//
// # Errors
//
// Besides [vault.ErrNotFound] and [vault.ErrConflict], methods return the
// context's error, [ErrClosed] after Close, or database errors wrapped
// with the operation's name. Put and PutBatch refuse a record with an
// empty KeyID with an error wrapping [vault.ErrInvalidEntry].
// Errors never contain envelope bytes; PostgreSQL errors are stripped of
// their detail fields, which can quote row values.
package sqlstore
