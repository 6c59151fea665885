-- take.lua: POST /api/tickets/take as the kiosk sends it: a JSON body and a fresh
-- Idempotency-Key on every request (so every request takes a new ticket).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local n = 0
local run = os.getenv("BENCH_RUN") or "0"
-- An enrolled kiosk's cookie (`tickets_kiosk=…`), when the scenario sends one.
local cookie = os.getenv("BENCH_COOKIE") or ""
-- The request before and after the key's number, made once (see cut_request).
local before, after

function request()
  n = n + 1
  if not before then
    local headers = {
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-@N@",
    }
    if cookie ~= "" then
      headers["Cookie"] = cookie
    end
    before, after = cut_request("POST", "/api/tickets/take", headers,
      '{"service_type":"poste"}', "@N@")
  end
  return before .. n .. after
end
