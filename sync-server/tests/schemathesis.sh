#!/bin/bash
# Property-based API testing (schemathesis, from PyPI) against the served
# OpenAPI document: generated requests to every operation must never get a
# 5xx, and every answer must match its documented schema. Runs the real
# server binary on a temporary database with the demo data.
#   schemathesis.sh SERVER_BIN SCHEMATHESIS_BIN
set -euo pipefail
server_bin=$1
st_bin=$2
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=schemathesis-token
QADAM_TOKEN=$token RUST_LOG=warn "$server_bin" serve --db "$dir/server.db" --listen "127.0.0.1:$port" --demo \
  >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$st_bin" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples 50 --seed 2026 --no-color
if grep -q "panicked" "$dir/server.log"; then
  echo "the server panicked:" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
