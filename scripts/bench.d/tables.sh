# Sourced by scripts/bench (not run on its own): the tables of results, on stdout.
# Uses the settings and helpers scripts/bench defines before sourcing it.

ms() { calc '%.2f' "$1 / 1000"; }
pct() { calc '%.0f %%' "100 * $1 / $2"; }
row() { # store scenario
  local k="$1:$2"
  printf '| %s | %s | %s / %s | %s | %s | %s | %s | %s |\n' "$(label "$2")" "$(calc '%.0f' "${rps[$k]}")" \
    "$(ms "${p50[$k]}")" "$(ms "${p99[$k]}")" "$(pct "${rps[$k]}" "${rps[$1:healthz]}")" \
    "${cpu[$k]}" "$(pct "${cpu[$1:healthz]}" "${cpu[$k]}")" "${wrk_cpu[$k]}" "${note[$k]}"
}
label() {
  case "$1" in
    healthz) echo 'GET /healthz (the HTTP ceiling)' ;;
    take) echo 'POST /api/tickets/take' ;;
    status) echo 'GET /api/tickets/status' ;;
    snapshot) echo 'GET /api/tickets/snapshot (50 waiting, staff)' ;;
    cycle) echo 'staff cycle: call-next + finish-current' ;;
    mix) echo 'mix: 90 % status, 8 % take, 2 % call-next' ;;
    snapshot_0) echo "GET snapshot, $dbsize_0 keys in Redis, just before the keys below" ;;
    take_0) echo "POST take, $dbsize_0 keys in Redis, just before the keys below" ;;
    snapshot_1m) echo "GET snapshot, $dbsize keys in Redis" ;;
    take_1m) echo "POST take, $dbsize keys in Redis" ;;
    snapshot_0b) echo "GET snapshot, $dbsize_0b keys in Redis, just after the keys above are removed" ;;
    take_0b) echo "POST take, $dbsize_0b keys in Redis, just after the keys above are removed" ;;
    call) echo 'POST /api/tickets/call-next alone (single queue)' ;;
    take_office) echo "POST take, $office_services services × 2 classes" ;;
    call_office) echo "POST call-next, $office_services services × 2 classes" ;;
    take_kiosk) echo 'POST take from an enrolled kiosk, limits on' ;;
    take_limited) echo 'POST take from a plain address, limits on' ;;
    take_ref_1) echo 'POST take, single queue, limits off: reference 1, just before the office' ;;
    call_ref_1) echo 'POST call-next alone, single queue: reference 1' ;;
    take_ref_2) echo 'POST take, reference 2: after the office, before the limits' ;;
    call_ref_2) echo 'POST call-next alone, reference 2' ;;
    take_ref_3) echo 'POST take, reference 3: just after the limits' ;;
  esac
}

cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
mode="full"
[ "$smoke" = 1 ] && mode="smoke"
echo
echo "## Results ($mode run, $(date -u +%Y-%m-%d))"
echo
echo "Machine: $(nproc) cores ($cpu_model), shared with other work (load average at the end:"
echo "$(cut -d' ' -f1-3 /proc/loadavg)), so compare the ratios. wrk -t$threads -c$connections, ${duration} s per"
echo "scenario, keep-alive, on the same cores; redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on loopback."
echo "Latencies in ms. \"% of ceiling\" compares req/s with the same server's GET /healthz in the"
echo "same run; \"CPU µs/req\" is the CPU time the server (and redis-server, on Redis) used per"
echo "request, and \"ceiling by CPU\" is healthz's CPU per request over this one's: the same ratio"
echo "without the noise of a shared machine. \"wrk µs/req\" is the CPU time wrk itself used per"
echo "request, on the same cores."
for st in memory redis; do
  echo
  if [ "$st" = memory ]; then echo "### Memory store"; else echo "### Redis store"; fi
  echo
  echo "| scenario | req/s | p50 / p99 | % of ceiling | CPU µs/req | ceiling by CPU | wrk µs/req | notes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  for s in healthz take call status snapshot cycle mix take_ref_1 call_ref_1 take_office call_office take_ref_2 call_ref_2 take_kiosk take_limited take_ref_3; do
    row "$st" "$s"
  done
  if [ "$st" = redis ]; then
    row redis snapshot_0
    row redis take_0
    row redis snapshot_1m
    row redis take_1m
    row redis snapshot_0b
    row redis take_0b
  fi
done

take_limit_pct="$(pct "${rps[redis:take]}" "${rb[rps]}")"
# The million keys' scenarios against the mean of their references before and after.
snap_ratio="$(calc '%.2f' "${rps[redis:snapshot_keys_ref]} / ${rps[redis:snapshot_1m]}")"
take_ratio="$(calc '%.2f' "${rps[redis:take_keys_ref]} / ${rps[redis:take_1m]}")"
yn() { awk "BEGIN {print ($1) ? \"yes\" : \"**no**\"}"; }
echo
echo "### Against the targets"
echo
echo "| check | figure | target | met |"
echo "|---|---:|---|---|"
echo "| take on Redis, % of the ceiling (req/s) | $(pct "${rps[redis:take]}" "${rps[redis:healthz]}") | ≥ 50 % | $(yn "${rps[redis:take]} >= 0.5 * ${rps[redis:healthz]}") |"
echo "| take on Redis, ceiling by CPU | $(pct "${cpu[redis:healthz]}" "${cpu[redis:take]}") | ≥ 50 % | $(yn "${cpu[redis:healthz]} >= 0.5 * ${cpu[redis:take]}") |"
echo "| take on memory, % of the ceiling (req/s) | $(pct "${rps[memory:take]}" "${rps[memory:healthz]}") | ≥ 80 % | $(yn "${rps[memory:take]} >= 0.8 * ${rps[memory:healthz]}") |"
echo "| take on memory, ceiling by CPU | $(pct "${cpu[memory:healthz]}" "${cpu[memory:take]}") | ≥ 80 % | $(yn "${cpu[memory:healthz]} >= 0.8 * ${cpu[memory:take]}") |"
# What wrk's own work per take leaves the take on memory: its rate against healthz's were the
# server to spend on a take no more than on healthz (the two cores shared as measured).
echo "| take on memory, the most wrk's own CPU per take leaves it: healthz's CPU of the server and wrk (${cpu[memory:healthz]} + ${wrk_cpu[memory:healthz]} µs) over the server's for healthz and wrk's for a take (${cpu[memory:healthz]} + ${wrk_cpu[memory:take]} µs) | $(pct "(${cpu[memory:healthz]} + ${wrk_cpu[memory:healthz]})" "(${cpu[memory:healthz]} + ${wrk_cpu[memory:take]})") | shown | — |"
# The combined limit of the Redis path: 1 / (1/H + 1/L), H the server's healthz rate on
# Redis, L the plain take script's rate under redis-benchmark just before and just after
# the scenario (load.sh: yardstick).
for sc in take cycle; do
  what="take"
  [ "$sc" = cycle ] && what="call-next + finish (staff cycle)"
  combined="$(calc '%.1f' "1 / (1 / ${rps[redis:healthz]} + 1 / ${plain[rps_$sc]})")"
  echo "| $what on Redis, % of the combined limit 1/(1/H + 1/L) = $(calc '%.0f' "$combined") req/s (H healthz $(calc '%.0f' "${rps[redis:healthz]}"), L the plain take script $(calc '%.0f' "${plain[rps_$sc]}") calls/s, the mean of a run just before this scenario ($(calc '%.0f' "${plain[rps_${sc}_before]}")) and one just after it ($(calc '%.0f' "${plain[rps_${sc}_after]}")), ${plain[us_$sc]} µs in Redis each) | $(pct "${rps[redis:$sc]}" "$combined") | ≥ 75 % | $(yn "${rps[redis:$sc]} >= 0.75 * $combined") |"
done
# Live updates: every event at every client, p99 delay and RSS (memory store).
sse_received="$(sse_value 'events received')"
sse_p99="$(sse_value 'delay p99 (ms)')"
sse_rss="$(sse_value 'server RSS with clients (MiB)')"
sse_all=0
[ -n "$sse_received" ] && [ "${sse_received%% of *}" = "${sse_received##* of }" ] && sse_all=1
echo "| $sse_clients SSE clients on one server: events received; delay p99; RSS with every client | $sse_received; ${sse_p99:-?} ms; ${sse_rss:-?} MiB | all; < 100 ms; < 150 MiB | $(yn "$sse_all == 1 && ${sse_p99:-1e9} < 100 && ${sse_rss:-1e9} < 150") |"
echo "| HTTP take on Redis, % of the take script under redis-benchmark ($(calc '%.0f' "${rb[rps]}") calls/s, p50 ${rb[p50]} ms, p99 ${rb[p99]} ms) | $take_limit_pct | shown | — |"
snap_cpu_ratio="$(calc '%.2f' "${cpu[redis:snapshot_1m]} / ${cpu[redis:snapshot_keys_ref]}")"
take_cpu_ratio="$(calc '%.2f' "${cpu[redis:take_1m]} / ${cpu[redis:take_keys_ref]}")"
echo "| snapshot, $dbsize keys in Redis vs $dbsize_0 just before and $dbsize_0b just after: CPU per request (time per request) | ${snap_cpu_ratio}× (${snap_ratio}×) | ≤ 1.2× | $(yn "$snap_cpu_ratio <= 1.2") |"
echo "| take, $dbsize keys in Redis vs $dbsize_0 just before and $dbsize_0b just after: CPU per request (time per request) | ${take_cpu_ratio}× (${take_ratio}×) | ≤ 1.2× | $(yn "$take_cpu_ratio <= 1.2") |"
for op in take call finish status take_office call_office; do
  echo "| Redis commands per $op (steady state) | ${rt_total[$op]} | 1 | $(yn "${rt_total[$op]} <= 1.0") |"
done
# The limits' cost: the kiosk's take (and a plain address's) with the limits on, against
# the takes with them off just before and just after (references 2 and 3 of
# beside_references), by CPU per request
# (steady on a shared machine) and by req/s.
for st in memory redis; do
  for k in take_kiosk take_limited; do
    r_cpu="$(calc '%.2f' "${cpu[$st:$k]} / ${cpu[$st:take_limits_ref]}")"
    r_rps="$(calc '%.2f' "${rps[$st:take_limits_ref]} / ${rps[$st:$k]}")"
    who="the kiosk's take"
    [ "$k" = take_limited ] && who="a plain address's take"
    target="≤ 1.10×"
    met="$(yn "$r_cpu <= 1.10")"
    if [ "$k" = take_limited ]; then target="shown"; met="—"; fi
    echo "| $who on $st, limits on vs off: CPU per request (time per request) | ${r_cpu}× (${r_rps}×) | $target | $met |"
  done
done
if [ -n "${redis_us[redis:take_limits_ref]:-}" ] && [ -n "${redis_us[redis:take_kiosk]:-}" ]; then
  echo "| Redis µs per take, kiosk with limits on vs off (${redis_us[redis:take_kiosk]} vs ${redis_us[redis:take_limits_ref]}), a plain address (${redis_us[redis:take_limited]:-?}) | $(calc '%.2f' "${redis_us[redis:take_kiosk]} / ${redis_us[redis:take_limits_ref]}")× | shown | — |"
fi
# The office against the single queue: its take and call-next against the mean of the
# single-queue references just before and just after (references 1 and 2).
if [ -n "${redis_us[redis:take_office_ref]:-}" ] && [ -n "${redis_us[redis:take_office]:-}" ]; then
  r="$(calc '%.2f' "${redis_us[redis:take_office]} / ${redis_us[redis:take_office_ref]}")"
  echo "| take, $office_services services × 2 classes vs one queue just before and after: Redis µs per take (${redis_us[redis:take_office]} vs ${redis_us[redis:take_office_ref]}) | ${r}× | ≤ 1.2× | $(yn "$r <= 1.2") |"
fi
if [ -n "${redis_us[redis:call_office_ref]:-}" ] && [ -n "${redis_us[redis:call_office]:-}" ]; then
  r="$(calc '%.2f' "${redis_us[redis:call_office]} / ${redis_us[redis:call_office_ref]}")"
  echo "| call-next, $office_services services × 2 classes vs one queue just before and after: Redis µs per call-next (${redis_us[redis:call_office]} vs ${redis_us[redis:call_office_ref]}) | ${r}× | ≤ 1.5× | $(yn "$r <= 1.5") |"
fi
echo "| take, office vs one queue just before and after, memory store (req/s) | $(pct "${rps[memory:take_office]}" "${rps[memory:take_office_ref]}") | shown | — |"
echo "| call-next, office vs one queue just before and after, memory store (req/s) | $(pct "${rps[memory:call_office]}" "${rps[memory:call_office_ref]}") | shown | — |"
echo "| Redis commands per snapshot | ${rt_total[snapshot]} | 1 | $(yn "${rt_total[snapshot]} <= 1.0") |"
echo "| idle RSS, memory store (median of $starts starts) | ${idle_rss[memory]} MB | < 20 MB | $(yn "${idle_rss[memory]} < 20") |"
echo "| idle RSS, Redis store | ${idle_rss[redis]} MB | < 20 MB | $(yn "${idle_rss[redis]} < 20") |"
echo "| RSS after $bulk_tickets tickets, memory store | $(calc '%.1f' "$rss_bulk / 1024") MB | — | — |"
echo "| start to ready (/readyz 200), memory store (median; min) | ${ready_ms[memory]} ms; ${ready_ms[memory.min]} ms | < 100 ms | $(yn "${ready_ms[memory]} < 100") |"
echo "| start to ready, Redis store (median; min) | ${ready_ms[redis]} ms; ${ready_ms[redis.min]} ms | — | — |"

echo
echo "### Redis commands sent per HTTP operation (MONITOR, script-internal commands excluded)"
echo
echo "| operation | commands per call | which |"
echo "|---|---:|---|"
for op in take call finish status snapshot take_office call_office; do
  echo "| $op | ${rt_total[$op]} | ${rt_detail[$op]} |"
done
if [ -n "${rt_total[quiet]:-}" ]; then
  echo "| take, after 6 s without traffic (10 calls 0.25 s apart) | ${rt_total[quiet]} | ${rt_detail[quiet]} |"
fi
echo
echo "redis-benchmark replays the server's own take FCALL (its function, KEYS and ARGV, from MONITOR):"
echo "-c 16 -n $rb_requests, ${rb[taken]} tickets taken."

echo
echo "### Instructions per operation (callgrind, memory backend, through the facade)"
echo
echo "| operation | instructions |"
echo "|---|---:|"
for op in take call finish status snapshot; do
  echo "| $op | ${ir[$op]} |"
done
echo
echo "\`crates/tickets-core/examples/ops.rs\`, $cg_count operations minus a run of 0; call = call-next"
echo "finishing the desk's previous ticket; finish on desks each holding a ticket; status and"
echo "snapshot with 50 waiting."

echo
echo "### Live updates ($(sse_value clients) SSE clients, memory store)"
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| events received | $(sse_value 'events received') |"
echo "| connecting every client (ms) | $(sse_value 'connect all (ms)') |"
echo "| delay call-next → event at each client, median (ms) | $(sse_value 'delay median (ms)') |"
echo "| delay, p99 (ms) | $(sse_value 'delay p99 (ms)') |"
echo "| delay, max (ms) | $(sse_value 'delay max (ms)') |"
echo "| server RSS before the clients (MiB) | $(sse_value 'server RSS before (MiB)') |"
echo "| server RSS with every client connected (MiB) | $(sse_value 'server RSS with clients (MiB)') |"
echo "| server CPU per event delivered (µs) | $(sse_value 'server CPU per event delivered (µs)') |"
echo "| the clients' CPU per event delivered (µs) | $(sse_value 'tool CPU per event delivered (µs)') |"
echo
echo "\`crates/tickets-http/examples/sse_clients.rs\`: the clients connect, get their first state,"
echo "then $(sse_value calls) call-next requests 100 ms apart; the delay runs from sending the request to"
echo "each client reading its call_next event; every connection stays open until every client"
echo "has read its last one. CPU per event runs from the first call to the last arrival."

hist_days="$(hist days)"
hist_per_day="$(hist 'tickets per day')"
echo
echo "### History and reports ($hist_days days × $hist_per_day tickets a day)"
echo
echo "| measure | memory store | Redis store |"
echo "|---|---:|---:|"
echo "| report over the $hist_days days ($(hist records) records), best / median of 3 (ms) | $(hist 'report memory best ms') / $(hist 'report memory median ms') | $(hist 'report redis best ms') / $(hist 'report redis median ms') |"
echo "| records per second (best) | $(hist 'report memory records per second') | $(hist 'report redis records per second') |"
echo "| reading alone (\`TicketQueue::history\` for each day), best / median (ms) | $(hist 'read memory best ms') / $(hist 'read memory median ms') | $(hist 'read redis best ms') / $(hist 'read redis median ms') |"
echo "| Redis's own time per report (\`INFO commandstats\`, ms) | — | $(hist 'report redis time in redis ms') |"
echo
echo "Both reports equal: $(hist 'reports equal'). $(hist total)."
echo
echo "| what writing history adds | with history | without | cost |"
echo "|---|---:|---:|---:|"
for op in finish no-show; do
  echo "| $op, memory (ns per call) | $(hist "$op memory with history ns") | $(hist "$op memory without history ns") | $(hist "$op memory history cost pct") % |"
  echo "| $op, Redis, Redis's time per script (µs) | $(hist "$op redis script with history us") | $(hist "$op redis script without history us") | $(hist "$op redis script history cost pct") % |"
  echo "| $op, Redis, as the caller sees it (µs per call) | $(hist "$op redis with history us") | $(hist "$op redis without history us") | $(hist "$op redis history cost pct") % |"
done
echo
echo "\`crates/tickets-core/examples/history.rs\`: medians over windows of one call per desk"
echo "($(hist 'cost desks') desks; $(hist 'cost rounds memory') rounds in memory, $(hist 'cost rounds redis') on Redis), the queue with history"
echo "and the one without (\`history_days(0)\`) alternating in each round."
# The targets are for a year of 1,000 tickets a day: a smaller run (--smoke) is not judged.
hist_yn() { [ -n "$1" ] && yn "$2" || echo "—"; }
hist_full_yn() {
  if [ "$hist_days" = 365 ] && [ "$hist_per_day" = 1000 ]; then hist_yn "$@"; else echo "—"; fi
}
r_mem="$(hist 'report memory best ms')"
r_redis="$(hist 'report redis best ms')"
echo
echo "| check | figure | target | met |"
echo "|---|---:|---|---|"
echo "| report over $hist_days days, memory store (best) | ${r_mem:-?} ms | < 1000 ms (365 days) | $(hist_full_yn "$r_mem" "${r_mem:-0} < 1000") |"
echo "| report over $hist_days days, Redis store (best) | ${r_redis:-?} ms | < 1000 ms (365 days) | $(hist_full_yn "$r_redis" "${r_redis:-0} < 1000") |"
for op in finish no-show; do
  c_mem="$(hist "$op memory history cost pct")"
  c_redis="$(hist "$op redis script history cost pct")"
  echo "| history's cost on $op, memory | ${c_mem:-?} % | < 10 % | $(hist_full_yn "$c_mem" "${c_mem:-0} < 10") |"
  echo "| history's cost on $op, Redis (Redis's time per script) | ${c_redis:-?} % | < 10 % | $(hist_full_yn "$c_redis" "${c_redis:-0} < 10") |"
done
