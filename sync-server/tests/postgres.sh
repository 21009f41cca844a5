#!/bin/sh
# A throwaway PostgreSQL on loopback for the store tests (`make test`).
#   postgres.sh start   starts one unless one answers already; prints its URL
#   postgres.sh stop    stops the one this script started
# It runs from Debian's packages (apt-get install postgresql) in its own
# data directory, as the `postgres` user when run as root (PostgreSQL
# refuses to run as root), with fsync off: it holds test data only.
set -eu
PORT=${QADAM_PG_PORT:-55432}
DIR=${QADAM_PG_DIR:-/tmp/qadam-pg-$PORT}
URL="postgres://postgres@127.0.0.1:$PORT/postgres"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
  if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then echo "$URL"; exit 0; fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" != 0 ] || chown postgres "$DIR"
  as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$DIR/server.log" >&2; exit 1; }
  echo "$URL"
  ;;
stop)
  [ -d "$DIR/data" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$DIR"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
