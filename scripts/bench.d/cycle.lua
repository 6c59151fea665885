-- cycle.lua: the staff cycle. Eight desks per thread, each in turn: call-next (which
-- also finishes the desk's current ticket) then finish-current, with a bearer token.
-- scripts/bench fills the queue beforehand so that calls find a ticket.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local desks = 8
local headers

function request()
  headers = headers or staff_headers({["Content-Type"] = "application/json"})
  local desk = "t" .. thread_id .. "d" .. (math.floor(n / 2) % desks)
  local path = (n % 2 == 0) and "/api/tickets/call-next" or "/api/tickets/finish-current"
  n = n + 1
  return wrk.format("POST", path, headers, '{"desk":"' .. desk .. '"}')
end
