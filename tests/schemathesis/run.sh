#!/usr/bin/env bash
# Runs schemathesis (tests/schemathesis/requirements.txt) against a running
# kentai's served OpenAPI document: every operation gets generated
# requests, and every answer must be no 5xx, a documented status code and
# content type, and a body that matches its documented schema.
#
# Builds and starts nothing: tests/suite/schemathesis.rs starts the server and
# calls this with
#   KENTAI_BASE_URL       the server, e.g. http://127.0.0.1:8080
#   KENTAI_TOKEN          an admin's bearer token
#   KENTAI_OTHER_USER_ID  another user's id, whose token the run may replace
# Extra arguments go to `schemathesis run` as they are.
# Exits non-zero on any failure.
set -euo pipefail

: "${KENTAI_BASE_URL:?KENTAI_BASE_URL (the server to test) is required}"
: "${KENTAI_TOKEN:?KENTAI_TOKEN (an admin token) is required}"

HERE="$(cd "$(dirname "$0")" && pwd)"
# The user whose token the run may replace (POST …/users/{user_id}/token):
# never the one in KENTAI_TOKEN. See schemathesis.toml.
: "${KENTAI_OTHER_USER_ID:?KENTAI_OTHER_USER_ID (a user who does not own KENTAI_TOKEN) is required}"
export KENTAI_OTHER_USER_ID

if ! command -v schemathesis >/dev/null 2>&1; then
    echo "schemathesis is not installed: pip install -r tests/schemathesis/requirements.txt" >&2
    exit 127
fi
# The flags below are those of the pinned version; another one may read
# them differently.
pinned="$(sed -n 's/^schemathesis==//p' "$HERE/requirements.txt")"
installed="$(schemathesis --version | awk '{print $NF}')"
if [ "$installed" != "$pinned" ]; then
    echo "schemathesis $installed is installed, tests/schemathesis/requirements.txt pins $pinned:" \
        "pip install -r tests/schemathesis/requirements.txt" >&2
    exit 1
fi

# Settings that differ by operation (examples, time limits, parameters)
# are in schemathesis.toml; a fixed seed and one worker make every run
# send the same requests in the same order.
exec schemathesis --config-file "$HERE/schemathesis.toml" run "$KENTAI_BASE_URL/api/openapi.json" \
    --header "Authorization: Bearer $KENTAI_TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --seed 20240408 \
    --workers 1 \
    --no-color \
    "$@"
