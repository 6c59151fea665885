-- take.lua: POST /api/tickets/take as the kiosk sends it: a JSON body and a fresh
-- Idempotency-Key on every request (so every request takes a new ticket).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local path = "/api/tickets/take"
local body = '{"service_type":"poste"}'
local run = os.getenv("BENCH_RUN") or "0"
-- An enrolled kiosk's cookie (`tickets_kiosk=…`), when the scenario sends one.
local cookie = os.getenv("BENCH_COOKIE") or ""

function request()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-" .. n,
  }
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("POST", path, headers, body)
end
