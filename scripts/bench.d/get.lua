-- get.lua: the same GET again and again (the URL given to wrk), built once by wrk.
-- With BENCH_TOKEN set, sends it as a staff bearer token.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.headers = staff_headers()
