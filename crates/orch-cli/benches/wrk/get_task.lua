-- wrk script: MCP `tools/call get_task` over Streamable HTTP in stateless mode, on random task ids.
-- Used by run.sh (which seeds the board and pins the server and wrk to separate cores); by hand:
--   TASKS=1000 wrk -t1 -c32 -d10s --latency -s get_task.lua http://127.0.0.1:8080/mcp
-- Every answer is checked: an HTTP error or a result other than `"isError":false` counts as failed, and the
-- summary fails the run (exit status of run.sh) when any did.

local tasks = tonumber(os.getenv("TASKS") or "1000")
local threads = {}

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  failed = 0
  sample = nil
  counter = 0
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_task","arguments":{"task_id":%d}}}',
    counter, math.random(tasks))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"isError":false', 1, true) then
    failed = failed + 1
    if sample == nil then sample = status .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local failures = 0
  for _, thread in ipairs(threads) do
    failures = failures + thread:get("failed")
    local s = thread:get("sample")
    if s ~= nil then io.write("first failed answer: ", s, "\n") end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "get_task: %d calls in %.1f s = %.0f calls/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; %d failed\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, failures))
  if failures > 0 or summary.errors.status > 0 then
    io.write("FAILED\n")
  end
end
