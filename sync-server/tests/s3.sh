#!/bin/sh
# A throwaway S3-compatible object store on loopback for the blob-store
# tests (`make test`): moto's server (PyPI `moto[server]`, pinned in the
# Makefile), with one bucket, `qadam-test`.
#   s3.sh start MOTO_SERVER_BIN   starts it; prints the environment to use
#   s3.sh stop                    stops it
set -eu
PORT=${QADAM_S3_PORT:-55433}
PIDFILE=${TMPDIR:-/tmp}/qadam-s3-$PORT.pid
case "${1:-}" in
start)
  bin=$2
  "$bin" -H 127.0.0.1 -p "$PORT" >"${TMPDIR:-/tmp}/qadam-s3-$PORT.log" 2>&1 &
  echo $! >"$PIDFILE"
  i=0
  until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "${TMPDIR:-/tmp}/qadam-s3-$PORT.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$PORT/qadam-test"
  echo "AWS_ENDPOINT=http://127.0.0.1:$PORT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 QADAM_TEST_S3=s3://qadam-test"
  ;;
stop)
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
  ;;
*)
  echo "usage: $0 start MOTO_SERVER_BIN | stop" >&2
  exit 2
  ;;
esac
