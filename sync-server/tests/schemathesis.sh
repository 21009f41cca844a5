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
# Data the documented examples name, so generated requests reach the logic:
# the fixture photo (its hash is the example of {sha256}) and conflict 1 (two
# devices wrote the first demo object's name without seeing each other).
base="http://127.0.0.1:$port"
root=$(cd "$(dirname "$0")/../.." && pwd)
photo="$root/fixtures/photos/entrance-gps.jpg"
sha=$(sha256sum "$photo" | cut -d' ' -f1)
curl -fsS -X PUT -H "Authorization: Bearer $token" -H "Content-Type: image/jpeg" --data-binary @"$photo" "$base/api/v1/photos/$sha" >/dev/null
object=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/objects" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["object"]["id"])')
python3 - "$base" "$token" "$object" <<'PY'
import json, sys, time, urllib.request, uuid
base, token, obj = sys.argv[1:]
now = int(time.time() * 1000)
for n, device in enumerate(["schemathesis-a", "schemathesis-b"]):
    change = {"op_id": str(uuid.uuid4()), "entity": "object", "entity_id": obj, "field": "name",
              "value": f"name from {device}", "hlc": f"{now + n:015d}-000000", "device_id": device, "seen_cursor": 0}
    req = urllib.request.Request(base + "/api/v1/sync/push", method="POST",
        data=json.dumps({"device_id": device, "changes": [change]}).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer " + token})
    urllib.request.urlopen(req).read()
conflicts = json.load(urllib.request.urlopen(urllib.request.Request(base + "/api/v1/conflicts",
    headers={"authorization": "Bearer " + token})))
assert 1 in [c["id"] for c in conflicts], conflicts
PY
"$st_bin" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples 50 --seed 2026 --no-color
if grep -q "panicked" "$dir/server.log"; then
  echo "the server panicked:" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
