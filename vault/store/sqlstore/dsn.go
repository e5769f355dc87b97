package sqlstore

import (
	"strings"
)

// A target is what Open connects to, derived from a DSN.
type target struct {
	dialect Dialect
	dsn     string // DSN in the driver's own syntax
	memory  bool   // an in-memory SQLite database: one connection only
	path    string // the SQLite file of a sqlite: DSN, created owner-only
}

// sqlitePragmas are the connection settings Open adds to every SQLite DSN,
// in modernc.org/sqlite's query-parameter syntax.
const sqlitePragmas = "_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(ON)" +
	"&_txlock=immediate"

// Reasons a DSNError gives.
const (
	reasonNoScheme   = "missing scheme (want sqlite:, file: or postgres:)"
	reasonScheme     = "unsupported scheme (want sqlite:, file: or postgres:)"
	reasonSQLiteHost = "host not allowed: use sqlite:///absolute/path or sqlite:relative/path"
	reasonEmptyPath  = "empty path"
	reasonNULInPath  = "NUL byte in path"
)

// maxSchemeLen bounds what parseDSN will echo back as a scheme.
const maxSchemeLen = 32

// parseDSN maps a DSN (see the package documentation) to a target.
func parseDSN(dsn string) (target, error) {
	scheme, rest, ok := splitScheme(dsn)
	if !ok {
		return target{}, &DSNError{Reason: reasonNoScheme}
	}
	switch scheme {
	case "sqlite":
		return sqliteTarget(rest)
	case "file":
		// SQLite and pgx recognize their schemes in lower case only.
		return sqliteURITarget(scheme + ":" + rest), nil
	case "postgres", "postgresql":
		return target{dialect: Postgres, dsn: scheme + ":" + rest}, nil
	}
	return target{}, &DSNError{Scheme: scheme, Reason: reasonScheme}
}

// splitScheme splits "scheme:rest", requiring an RFC 3986 scheme of at most
// maxSchemeLen characters. The scheme is lower-cased.
func splitScheme(dsn string) (scheme, rest string, ok bool) {
	scheme, rest, found := strings.Cut(dsn, ":")
	if !found || scheme == "" || len(scheme) > maxSchemeLen {
		return "", "", false
	}
	for i, c := range scheme {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		other := '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
		if !letter && (i == 0 || !other) {
			return "", "", false
		}
	}
	return strings.ToLower(scheme), rest, true
}

// sqliteTarget handles what follows "sqlite:": ":memory:", "///abs/path" or
// "rel/path", the path taken literally.
func sqliteTarget(rest string) (target, error) {
	if rest == ":memory:" {
		return target{dialect: SQLite, dsn: "file::memory:?" + sqlitePragmas, memory: true}, nil
	}
	path := rest
	if strings.HasPrefix(rest, "//") {
		path = rest[2:]
		if !strings.HasPrefix(path, "/") {
			return target{}, &DSNError{Scheme: "sqlite", Reason: reasonSQLiteHost}
		}
	}
	if path == "" {
		return target{}, &DSNError{Scheme: "sqlite", Reason: reasonEmptyPath}
	}
	if strings.ContainsRune(path, 0) {
		return target{}, &DSNError{Scheme: "sqlite", Reason: reasonNULInPath}
	}
	return target{dialect: SQLite, dsn: "file:" + escapeURIPath(path) + "?" + sqlitePragmas, path: path}, nil
}

// escapeURIPath escapes the characters that end or alter the path part of
// an SQLite URI filename.
func escapeURIPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// sqliteURITarget passes an SQLite "file:" URI through, adding the store's
// pragmas to its query. A fragment, which SQLite ignores, is dropped.
func sqliteURITarget(dsn string) target {
	dsn, _, _ = strings.Cut(dsn, "#")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	memory := strings.HasPrefix(dsn, "file::memory:") || strings.Contains(dsn, "mode=memory")
	return target{dialect: SQLite, dsn: dsn + sep + sqlitePragmas, memory: memory}
}
