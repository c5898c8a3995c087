#!/usr/bin/env bash
# Third-party MCP clients and the official conformance suite against a built task-orchestrator, over stdio and
# Streamable HTTP (session mode, then stateless mode for the SDK clients and the raw transport checks).
#
#   .ci/harness.sh path/to/task-orchestrator
#
# Builds nothing. Installs the pinned clients with ../shared/mcp-harness/setup.sh (idempotent), runs run_all.sh
# with tool calls that must succeed and calls that must fail, on a fresh database each time, on loopback ports.
set -euo pipefail
BIN="$(realpath "${1:?usage: $0 path/to/task-orchestrator}")"
[[ -x "$BIN" ]] || { echo "not an executable: $BIN" >&2; exit 2; }
ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || (cd "$(dirname "$0")/.." && pwd))"
HARNESS="$ROOT/../shared/mcp-harness"
[[ -d "$HARNESS" ]] || HARNESS=/work/shared/mcp-harness
[[ -d "$HARNESS" ]] || { echo "cannot find shared/mcp-harness beside $ROOT" >&2; exit 2; }

"$HARNESS/setup.sh" > /tmp/mcp-harness-setup.log 2>&1 || { cat /tmp/mcp-harness-setup.log; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The servers run outside this repository: link_git_commit checks hashes against a repository it runs in, and the
# calls below link a made-up one.
cd "$WORK"
export TASK_ORCHESTRATOR_GIT_REPO=off

# A free loopback port (bound and released; nothing else on this machine races for it in CI).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

CALLS=(
  --call create_task '{"title":"harness task","tags":["ci"],"priority":2}'
  --call create_task '{"title":"second","dependencies":[1]}'
  --call list_tasks '{"include_metrics":true}'
  --call get_task '{"task_id":1}'
  --call update_task '{"task_id":2,"description":"from the harness"}'
  --call get_task_graph '{"format":"mermaid"}'
  --call link_git_commit '{"task_id":1,"commit_hash":"abcdef1"}'
  --call execute_code '{"task_id":1,"language":"python","code":"print(6*7)"}'
  --call analyze_complexity '{"task_id":1}'
  --call estimate_effort '{"task_id":2}'
  --call expand_task '{"task_id":2,"depth":1,"replace":true}'
  --call get_next_task '{"project_id":"default-project"}'
  --call parse_prd '{"content":"# P\n\n## Features\n### Login\n- Priority: High\n- Description: Sign in\n","project_id":"prd"}'
  --call-error get_task '{"task_id":999999}'
  --call-error create_task '{"title":""}'
  --call-error update_task_status '{"task_id":1,"status":"done"}'
)

status=0
LOG="$WORK/harness.log"
# Runs a suite; it fails on a non-zero exit or on any conformance warning (the issue asks for none).
check() { # NAME CMD...
  local name="$1"; shift
  echo; echo "================ $name"
  if "$@" 2>&1 | tee "$LOG"; then
    if grep -E 'Passed: .*[1-9][0-9]* warnings' "$LOG"; then echo "== $name: FAIL (warnings above)"; status=1
    else echo "== $name: PASS"; fi
  else echo "== $name: FAIL"; status=1; fi
}

PORT="$(free_port)"
# The database goes in the arguments: SDK clients start stdio servers with a minimal environment.
# The suite's resources-list and prompts-list check any server's listings (its other resource and prompt scenarios
# read fixtures such as test://static-text that only its reference server has).
CORE="server-initialize ping tools-list server-sse-multiple-streams dns-rebinding-protection resources-list prompts-list"
check "stdio, and HTTP in session mode (run_all.sh)" env CORE_SCENARIOS="$CORE" \
  STDIO_CMD="$BIN --db sqlite://$WORK/stdio.db serve" \
  HTTP_CMD="$BIN --db sqlite://$WORK/session.db serve --http 127.0.0.1:$PORT" HTTP_URL="http://127.0.0.1:$PORT/mcp" \
  "$HARNESS/run_all.sh" "${CALLS[@]}"

# Stateless mode: the same clients, but server-sse-multiple-streams is left out: it tests several streams in one
# session, and a stateless server has no sessions by design (the suite reports that as a warning).
PORT="$(free_port)"
URL="http://127.0.0.1:$PORT/mcp"
export DATABASE_URL="sqlite://$WORK/stateless.db"
"$BIN" serve --http "127.0.0.1:$PORT" --stateless > "$WORK/stateless-server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
source "$HARNESS/_env.sh"
if wait_port 127.0.0.1 "$PORT" 30; then
  check "HTTP stateless: conformance" "$HARNESS/conformance-http.sh" "$URL" \
    server-initialize ping tools-list dns-rebinding-protection resources-list prompts-list
  check "HTTP stateless: transport checks" "$HARNESS/http_transport_checks.sh" "$URL"
  check "HTTP stateless: Python SDK" "$PY" "$HARNESS/py_client_smoke.py" "${CALLS[@]}" --http "$URL"
  check "HTTP stateless: Inspector" "$HARNESS/inspector_smoke.sh" "${CALLS[@]}" -- "$URL"
else
  echo "== stateless server never listened on $URL:"; cat "$WORK/stateless-server.log"; status=1
fi
kill -TERM "$SERVER"
wait "$SERVER" || { echo "== stateless server did not exit cleanly on SIGTERM"; status=1; }
trap 'rm -rf "$WORK"' EXIT

echo
[[ $status == 0 ]] && echo "harness: PASS" || echo "harness: FAIL"
exit $status
