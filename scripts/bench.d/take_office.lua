-- take_office.lua: POST /api/tickets/take in an office of BENCH_SERVICES services (codes
-- s0, s1, …), each offering the priority class p1: a service at random and one ticket in
-- five with priority, a fresh Idempotency-Key on every request.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local path = "/api/tickets/take"
local services = tonumber(os.getenv("BENCH_SERVICES") or "10")
local run = os.getenv("BENCH_RUN") or "0"

function request()
  n = n + 1
  local body = '{"service_type":"s' .. math.random(0, services - 1) .. '"'
  if math.random(1, 5) == 1 then
    body = body .. ',"priority":"p1"'
  end
  body = body .. '}'
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-" .. n,
  }, body)
end
