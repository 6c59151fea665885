-- mix.lua: a realistic mix, drawn at random per request: 90 % GET status (phones and
-- screens polling), 8 % POST take (kiosk, with an Idempotency-Key), 2 % call-next
-- (staff, four desks per thread).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local run = os.getenv("BENCH_RUN") or "0"
local staff

function init(args)
  math.randomseed(1000 + thread_id)
end

function request()
  n = n + 1
  local r = math.random(100)
  if r <= 90 then
    return wrk.format("GET", "/api/tickets/status")
  elseif r <= 98 then
    return wrk.format("POST", "/api/tickets/take", {
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "mix-" .. run .. "-" .. thread_id .. "-" .. n,
    }, '{"service_type":"poste"}')
  else
    staff = staff or staff_headers({["Content-Type"] = "application/json"})
    return wrk.format("POST", "/api/tickets/call-next", staff,
      '{"desk":"m' .. thread_id .. "-" .. (n % 4) .. '"}')
  end
end
