-- call.lua: call-next alone, eight desks per thread in turn (t<thread>d<0…7>, the desks
-- of the office scripts/bench configures); each call finishes the desk's previous ticket
-- in the same step. scripts/bench fills the queue beforehand.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local desks = 8
-- The eight requests of a round, formatted once.
local requests

function request()
  if not requests then
    requests = {}
    local headers = staff_headers({["Content-Type"] = "application/json"})
    for i = 0, desks - 1 do
      requests[i] = wrk.format("POST", "/api/tickets/call-next", headers,
        '{"desk":"t' .. thread_id .. "d" .. i .. '"}')
    end
  end
  local r = requests[n % desks]
  n = n + 1
  return r
end
