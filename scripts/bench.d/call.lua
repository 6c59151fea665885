-- call.lua: call-next alone, eight desks per thread in turn (t<thread>d<0…7>, the desks
-- of the office scripts/bench configures); each call finishes the desk's previous ticket
-- in the same step. scripts/bench fills the queue beforehand.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local desks = 8
local headers

function request()
  headers = headers or staff_headers({["Content-Type"] = "application/json"})
  local desk = "t" .. thread_id .. "d" .. (n % desks)
  n = n + 1
  return wrk.format("POST", "/api/tickets/call-next", headers, '{"desk":"' .. desk .. '"}')
end
