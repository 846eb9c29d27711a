#!/usr/bin/env bash
# Starts and stops the throw-away PostgreSQL server used by the lambda tests
# and benchmarks. It is never used for anything but tests.
#
#   hack/postgres/pg.sh start    install Debian's postgresql if missing, initdb, start (idempotent)
#   hack/postgres/pg.sh stop     stop the server (idempotent)
#   hack/postgres/pg.sh status   exit 0 when the server accepts connections
#   hack/postgres/pg.sh dsn      print the DSN the tests use (PAYMENT_TEST_PG_DSN)
#   hack/postgres/pg.sh destroy  stop and delete the data directory
#
# Environment:
#   PGPORT        TCP port on 127.0.0.1 (default 55432)
#   PG_TEST_ROOT  directory holding data, socket and log
#                 (default /tmp/xpaymentplatform-pg-$PGPORT)
#   PG_TEST_PASSWORD  password of the postgres role (default postgres)
#
# The server runs as the "postgres" OS user when this script runs as root,
# otherwise as the invoking user. It listens on 127.0.0.1 only, with
# scram-sha-256 authentication over TCP.
set -euo pipefail

PGPORT="${PGPORT:-55432}"
# Under /tmp (not $TMPDIR, which may be private to root) so the postgres user can reach it.
PG_TEST_ROOT="${PG_TEST_ROOT:-/tmp/xpaymentplatform-pg-${PGPORT}}"
PG_TEST_PASSWORD="${PG_TEST_PASSWORD:-postgres}"
DATA="${PG_TEST_ROOT}/data"
SOCK="${PG_TEST_ROOT}/sock"
LOG="${PG_TEST_ROOT}/postgres.log"

log() { echo "pg.sh: $*" >&2; }

find_bindir() {
	local d
	# Newest major version first.
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
		if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

install_postgres() {
	if find_bindir >/dev/null; then
		return 0
	fi
	if [[ "$(id -u)" != 0 ]]; then
		log "PostgreSQL server binaries not found under /usr/lib/postgresql and not running as root;"
		log "install them with: sudo apt-get install -y postgresql"
		exit 1
	fi
	log "installing Debian package postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends postgresql >&2
	find_bindir >/dev/null || { log "postgresql installed but initdb not found"; exit 1; }
}

# as_pg runs a command as the server's OS user.
as_pg() {
	if [[ "$(id -u)" == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

is_up() {
	local bindir
	bindir="$(find_bindir)" || return 1
	[[ -d "$SOCK" ]] || return 1
	"$bindir/pg_isready" -q -h "$SOCK" -p "$PGPORT" -U postgres >/dev/null 2>&1
}

dsn() {
	echo "postgres://postgres:${PG_TEST_PASSWORD}@127.0.0.1:${PGPORT}/postgres?sslmode=disable"
}

start() {
	install_postgres
	local bindir
	bindir="$(find_bindir)"
	if is_up; then
		log "already running on 127.0.0.1:${PGPORT} (data ${DATA})"
		return 0
	fi
	mkdir -p "$PG_TEST_ROOT"
	chmod 0755 "$PG_TEST_ROOT"
	if [[ "$(id -u)" == 0 ]]; then
		id postgres >/dev/null 2>&1 || { log "OS user postgres missing (the Debian package creates it)"; exit 1; }
		chown postgres: "$PG_TEST_ROOT"
	fi
	if [[ ! -s "$DATA/PG_VERSION" ]]; then
		rm -rf "$DATA"
		local pwfile="$PG_TEST_ROOT/pwfile"
		printf '%s\n' "$PG_TEST_PASSWORD" >"$pwfile"
		[[ "$(id -u)" == 0 ]] && chown postgres: "$pwfile"
		log "initdb ${DATA}"
		as_pg "$bindir/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" \
			--auth-local=trust --auth-host=scram-sha-256 \
			-E UTF8 --locale=C.UTF-8 >"$PG_TEST_ROOT/initdb.log" 2>&1 || {
			cat "$PG_TEST_ROOT/initdb.log" >&2
			exit 1
		}
		rm -f "$pwfile"
		cat >>"$DATA/postgresql.conf" <<CONF
# test-only settings (hack/postgres/pg.sh)
listen_addresses = '127.0.0.1'
port = ${PGPORT}
unix_socket_directories = '${SOCK}'
max_connections = 200
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 512MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 8GB
checkpoint_timeout = 30min
jit = off
log_min_messages = warning
log_min_error_statement = panic
CONF
	fi
	mkdir -p "$SOCK"
	[[ "$(id -u)" == 0 ]] && chown postgres: "$SOCK"
	log "starting PostgreSQL on 127.0.0.1:${PGPORT}"
	if ! as_pg "$bindir/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null; then
		tail -n 50 "$LOG" >&2 || true
		exit 1
	fi
	is_up || { log "server started but is not accepting connections"; tail -n 50 "$LOG" >&2; exit 1; }
	log "ready: $(dsn | sed "s/:${PG_TEST_PASSWORD}@/:***@/")"
}

stop() {
	local bindir
	bindir="$(find_bindir)" || { log "postgresql not installed; nothing to stop"; return 0; }
	if [[ -s "$DATA/postmaster.pid" ]]; then
		as_pg "$bindir/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
	fi
	log "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) is_up ;;
dsn) dsn ;;
destroy)
	stop
	rm -rf "$PG_TEST_ROOT"
	;;
*)
	echo "usage: $0 start|stop|status|dsn|destroy" >&2
	exit 2
	;;
esac
