-- take_office.lua: POST /api/tickets/take in an office of BENCH_SERVICES services (codes
-- s0, s1, …), each offering the priority class p1: a service at random and one ticket in
-- five with priority, a fresh Idempotency-Key on every request.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local services = tonumber(os.getenv("BENCH_SERVICES") or "10")
local run = os.getenv("BENCH_RUN") or "0"
-- Per service, the request before and after the key's number, without and with
-- priority, made once (see cut_request).
local parts

function request()
  n = n + 1
  if not parts then
    parts = {}
    local headers = {
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-@N@",
    }
    for s = 0, services - 1 do
      local body = '{"service_type":"s' .. s .. '"'
      parts[s] = {
        { cut_request("POST", "/api/tickets/take", headers, body .. '}', "@N@") },
        { cut_request("POST", "/api/tickets/take", headers, body .. ',"priority":"p1"}', "@N@") },
      }
    end
  end
  local p = parts[math.random(0, services - 1)][(math.random(1, 5) == 1) and 2 or 1]
  return p[1] .. n .. p[2]
end
