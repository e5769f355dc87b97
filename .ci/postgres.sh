#!/usr/bin/env bash
# Throwaway PostgreSQL server for the sqlstore tests.
#
#   eval "$(bash .ci/postgres.sh start)"   # install if needed, init, start;
#                                          # prints: export CREDVAULT_TEST_POSTGRES_DSN=...
#   bash .ci/postgres.sh stop              # stop the server, delete its files
#
# The server listens on 127.0.0.1 only, keeps its data and socket under
# $CREDVAULT_PG_DIR (default /tmp/credvault-pg), and uses port
# $CREDVAULT_PG_PORT (default 55432). It runs with fsync off: it is for
# tests, never for data worth keeping. Both subcommands are idempotent:
# start on a running server only prints the DSN again; stop on a stopped
# one does nothing. Only the export line goes to stdout; progress and
# errors go to stderr. Runs non-interactively as root (CI on a fresh Debian
# machine, where the server runs as the "postgres" user, or "pgtest" when
# that is missing) or as any user that can run the PostgreSQL binaries.
set -euo pipefail

PG_DIR="${CREDVAULT_PG_DIR:-/tmp/credvault-pg}"
PG_PORT="${CREDVAULT_PG_PORT:-55432}"
PG_DB="credvault_test"
PG_SUPERUSER="postgres"

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# bindir prints the newest installed PostgreSQL bin directory, if any.
bindir() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
	[[ -n "$d" && -x "$d/initdb" ]] && echo "$d"
}

install_postgres() {
	[[ -n "$(bindir)" ]] && return 0
	[[ "$(id -u)" -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root"
	log "installing PostgreSQL (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends postgresql >&2
	[[ -n "$(bindir)" ]] || die "PostgreSQL installed but no initdb found under /usr/lib/postgresql"
}

# run_as_owner runs a command as the user that owns the server: the
# postgres user (created when missing) under root, the caller otherwise.
OWNER=""
pick_owner() {
	if [[ "$(id -u)" -ne 0 ]]; then
		OWNER="$(id -un)"
		return
	fi
	if id postgres >/dev/null 2>&1; then
		OWNER="postgres"
	else
		id pgtest >/dev/null 2>&1 || useradd --system --create-home --shell /bin/sh pgtest
		OWNER="pgtest"
	fi
}
run_as_owner() {
	if [[ "$(id -u)" -ne 0 ]]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "$OWNER" -- "$@"
	else
		su -s /bin/sh "$OWNER" -c "$(printf '%q ' "$@")"
	fi
}

running() {
	[[ -f "$PG_DIR/data/PG_VERSION" ]] && run_as_owner "$BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null
}

print_dsn() {
	local pw
	pw="$(cat "$PG_DIR/password")"
	echo "export CREDVAULT_TEST_POSTGRES_DSN='postgres://$PG_SUPERUSER:$pw@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable'"
}

init_cluster() {
	log "initializing a cluster in $PG_DIR"
	rm -rf "$PG_DIR"
	mkdir -p "$PG_DIR"
	chmod 700 "$PG_DIR"
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$PG_DIR/password"
	chown -R "$OWNER" "$PG_DIR"
	run_as_owner "$BIN/initdb" -D "$PG_DIR/data" -U "$PG_SUPERUSER" --pwfile="$PG_DIR/password" \
		--auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >&2 ||
		run_as_owner "$BIN/initdb" -D "$PG_DIR/data" -U "$PG_SUPERUSER" --pwfile="$PG_DIR/password" \
			--auth=scram-sha-256 --encoding=UTF8 --locale=C >&2
}

start_server() {
	port_in_use && die "port $PG_PORT on 127.0.0.1 is taken; set CREDVAULT_PG_PORT"
	log "starting on 127.0.0.1:$PG_PORT"
	run_as_owner "$BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >&2 || { cat "$PG_DIR/server.log" >&2 || true; die "server did not start"; }
}

create_db() {
	local exists
	exists="$(PGPASSWORD="$(cat "$PG_DIR/password")" "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" \
		-d postgres -tAq -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")"
	[[ "$exists" == "1" ]] && return 0
	PGPASSWORD="$(cat "$PG_DIR/password")" "$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" "$PG_DB"
}

cmd_start() {
	install_postgres
	BIN="$(bindir)"
	pick_owner
	if ! running; then
		if [[ ! -f "$PG_DIR/data/PG_VERSION" || ! -s "$PG_DIR/password" ]]; then
			init_cluster
		fi
		start_server
	fi
	create_db
	print_dsn
}

cmd_stop() {
	BIN="$(bindir || true)"
	[[ -d "$PG_DIR" ]] || return 0
	if [[ -n "$BIN" ]]; then
		pick_owner
		if running; then
			log "stopping"
			run_as_owner "$BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2
		fi
	fi
	rm -rf "$PG_DIR"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
*) die "usage: $0 start|stop" ;;
esac
