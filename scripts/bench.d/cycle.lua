-- cycle.lua: the staff cycle. Eight desks per thread, each in turn: call-next (which
-- also finishes the desk's current ticket) then finish-current, with a bearer token.
-- scripts/bench fills the queue beforehand so that calls find a ticket.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local desks = 8
-- The sixteen requests of a round, formatted once.
local requests

function request()
  if not requests then
    requests = {}
    local headers = staff_headers({["Content-Type"] = "application/json"})
    for i = 0, 2 * desks - 1 do
      local desk = "t" .. thread_id .. "d" .. math.floor(i / 2)
      local path = (i % 2 == 0) and "/api/tickets/call-next" or "/api/tickets/finish-current"
      requests[i] = wrk.format("POST", path, headers, '{"desk":"' .. desk .. '"}')
    end
  end
  local r = requests[n % (2 * desks)]
  n = n + 1
  return r
end
