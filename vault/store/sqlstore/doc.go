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
// # Connection pools and files
//
// On PostgreSQL, Open keeps up to 32 connections, all of which may stay
// idle (database/sql keeps 2 by default, which made a rotation job's
// workers close and re-authenticate connections all the time), closes
// one idle for 5 minutes, and replaces each after 30 minutes, so a
// failover or a changed password takes effect. Size max_connections on
// the server for 32 per process (a replica, the credvault CLI). To size
// the pool otherwise, open the *sql.DB yourself, configure it with
// SetMaxOpenConns, SetMaxIdleConns, SetConnMaxIdleTime and
// SetConnMaxLifetime, and pass it to [New]. A rotation job needs about one
// connection per worker and two more for its pipeline.
//
// A SQLite file named by a sqlite: DSN that does not exist yet is created
// with mode 0600, like the keysets (SQLite would create it with the
// umask, 0644 as a rule); its -wal and -shm files take that mode from it.
// Open leaves an existing file's mode as it is, and does not create a
// file named by a file: URI (SQLite does, with the umask).
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
// A Store is a [vault.Checkpointer] too: rotation jobs keep their
// checkpoints in the credvault_checkpoints table (migration 2; migration
// 4 adds the counts), so a job restarted after a crash resumes where its
// last completed page ended and counts what its earlier runs did.
//
// # Health and leases
//
// A Store is a [vault.HealthStore]: credvault_health (migration 3) keeps
// one row per record, written only beside an existing record and deleted
// with it (a foreign key with ON DELETE CASCADE on PostgreSQL; a trigger
// on SQLite, which enforces foreign keys only on connections that turn
// them on, as Open's do but a caller's *sql.DB for New may not). One
// upsert keeps the later LastHealthyAt and ignores a result older than
// the stored one, so replicas recording at once never move it back.
//
// A Store is a [vault.Leaser] too: credvault_leases (migration 3) holds
// one row per job name with its holder, fencing token and expiry.
// Acquiring is one INSERT ... ON CONFLICT DO UPDATE ... WHERE the term
// has expired or is the caller's own, RETURNING the new term (no row:
// [vault.ErrLeaseHeld]); renewing and releasing are one UPDATE each,
// conditioned on holder, token and expiry. The database's row lock makes
// each atomic; PostgreSQL judges expiry by its own clock
// (clock_timestamp()), so replicas' clocks need not agree, while SQLite,
// serving one host, uses the Store's. A released or expired row stays,
// so every new term's token is larger than the last.
//
// Why a lease row rather than the database's other locks: an advisory
// lock (pg_advisory_lock) or a row held by SELECT ... FOR UPDATE [SKIP
// LOCKED] lives as long as one session or transaction. Held for a
// minutes-long job, it pins a pooled connection and an open transaction
// (holding back vacuum, tripping idle-in-transaction timeouts), and when
// that connection drops the lock is gone at once while the replica,
// which learns of it only at its next statement, may still be writing
// through its other connections: nothing bounds when it stops. Neither
// exists on SQLite, and neither says who holds a job or since when. The
// lease row is still the database's own primitive (an atomic conditional
// upsert under its row lock, timed by its clock); what it adds is an
// expiry the holder can count on: it renews every third of a term and
// stops writing (its job's context is cancelled) two thirds into a term
// without a successful renewal, a third of a term before another replica
// can take over ([vault.RunLeased]). SKIP LOCKED suits a queue of many
// independent items; splitting one org's key range that way was not
// needed: one holder per org already does each record once, and
// BenchmarkReplicas shows 4 replicas finishing in the time of one.
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
