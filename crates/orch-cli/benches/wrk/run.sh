#!/usr/bin/env bash
# get_task throughput over Streamable HTTP measured with wrk, the server and the load generator on separate cores.
#
#   cargo build --release -p orch-cli && crates/orch-cli/benches/wrk/run.sh
#
# Starts `task-orchestrator serve --http --stateless` pinned to SERVER_CPU on a fresh SQLite board, creates TASKS
# tasks, then runs wrk pinned to LOAD_CPU: CONNECTIONS connections, a WARMUP-second run discarded, then RUNS runs
# of DURATION seconds.
# The server logs at its default level (info) unless LOG_LEVEL is set. Needs wrk, curl and taskset.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN:-$here/../../../../target/release/task-orchestrator}
server_cpu=${SERVER_CPU:-0}
load_cpu=${LOAD_CPU:-1}
connections=${CONNECTIONS:-32}
duration=${DURATION:-10}
warmup=${WARMUP:-3}
runs=${RUNS:-3}
tasks=${TASKS:-1000}
port=${PORT:-18431}

for tool in wrk curl taskset; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool (apt-get install -y wrk curl util-linux)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release -p orch-cli, or set BIN" >&2; exit 2; }

dir=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

env ${LOG_LEVEL:+TASK_ORCHESTRATOR_LOG_LEVEL=$LOG_LEVEL} DATABASE_URL="sqlite://$dir/tasks.db" \
  taskset -c "$server_cpu" "$bin" serve --http "127.0.0.1:$port" --stateless 2>"$dir/server.log" &
server=$!
url="http://127.0.0.1:$port/mcp"
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# One curl process and one connection for all the create_task calls: a config file with a request per task.
headers='header = "Content-Type: application/json"
header = "Accept: application/json, text/event-stream"
header = "MCP-Protocol-Version: 2025-06-18"'
for i in $(seq "$tasks"); do
  [ "$i" -gt 1 ] && echo next
  printf 'url = "%s"\n%s\n' "$url" "$headers"
  printf 'data = "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":%d,\\"method\\":\\"tools/call\\",\\"params\\":{\\"name\\":\\"create_task\\",\\"arguments\\":{\\"title\\":\\"bench task %d\\",\\"description\\":\\"a task with some text\\",\\"tags\\":[\\"bench\\"]}}}"\n' "$i" "$i"
done >"$dir/seed.curl"
created=$(curl -sS -K "$dir/seed.curl" | grep -o '"isError":false' | wc -l)
[ "$created" -eq "$tasks" ] || { echo "seeding created $created of $tasks tasks; see $dir/server.log" >&2; exit 1; }

echo "get_task over Streamable HTTP (stateless), $tasks tasks, $connections connections;" \
  "server on CPU $server_cpu, wrk on CPU $load_cpu; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
export TASKS=$tasks
taskset -c "$load_cpu" wrk -t1 -c"$connections" -d"${warmup}s" -s "$here/get_task.lua" "$url" >/dev/null
status=0
for run in $(seq "$runs"); do
  out=$(taskset -c "$load_cpu" wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$here/get_task.lua" "$url")
  echo "run $run: $(grep '^get_task:' <<<"$out") (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  grep -q FAILED <<<"$out" && { grep 'first failed' <<<"$out" || true; status=1; }
done
exit $status
