-- common.lua: loaded by every scenario script of scripts/bench (wrk's LuaJIT).
-- Reads the scenario's settings from the environment and prints one machine-readable
-- line at the end of the run, which scripts/bench parses:
--   BENCH requests=… duration_us=… rps=… p50_us=… p99_us=… non2xx=… socket_errors=…

token = os.getenv("BENCH_TOKEN") or ""

-- Headers for a staff request (Authorization: Bearer), or for a public one.
function staff_headers(extra)
  local h = {}
  if token ~= "" then
    h["Authorization"] = "Bearer " .. token
  end
  for k, v in pairs(extra or {}) do
    h[k] = v
  end
  return h
end

-- A request formatted once by wrk.format and cut around `mark` (written in one of its
-- header values): a scenario whose requests differ only there joins the two parts and
-- the varying text, rather than formatting each request. wrk runs on the cores the
-- server uses: its own work per request lowers every rate measured, and more for the
-- scenarios that build their requests than for healthz, which sends one request again.
function cut_request(method, path, headers, body, mark)
  local req = wrk.format(method, path, headers, body)
  local at = req:find(mark, 1, true)
  return req:sub(1, at - 1), req:sub(at + #mark)
end

-- Gives each thread a number, so that idempotency keys and desks differ between threads.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d mean_us=%.1f "
      .. "non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.mean,
    e.status, e.connect + e.read + e.write + e.timeout))
end
