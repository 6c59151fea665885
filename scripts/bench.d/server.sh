# Sourced by scripts/bench (not run on its own): the server and its start-up.
# Uses the settings and helpers scripts/bench defines before sourcing it.

# --- helpers -----------------------------------------------------------------------------

port_open() { { : >&3; } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1"; }

free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    port_open "$p" || {
      echo "$p"
      return
    }
  done
  die "no free loopback port found"
}

# GETs $2 on port $1 over bash's /dev/tcp (no process started): true on a 200.
probe() {
  local line=""
  {
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
    IFS= read -r -t 2 line <&3
  } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  [[ $line == "HTTP/1."?" 200"* ]]
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }

# Starts the server on store $1 (memory|redis); sets port, server_pid, ready_us.
start_server() {
  local kind="$1" attempt t0 t1 log_file take_limit=0 max_waiting=0
  if [ -n "$limits" ]; then
    take_limit="$never_refused_limit"
    max_waiting="$never_refused_cap"
  fi
  for attempt in 1 2 3; do
    port="$(free_port)"
    log_file="$work/server-$kind-$port.log"
    t0=${EPOCHREALTIME/./}
    # The limits are off unless a scenario turns them on (limits=1): every wrk request
    # comes from one address, and the SSE clients too. Between scenarios a day of a few
    # hundred thousand tickets is reset (a script that deletes each): on a fast machine
    # that takes Redis more than the 2 s a request waits by default.
    env TICKETS_BIND="127.0.0.1:$port" TICKETS_STORE="$kind" \
      REDIS_URL="${redis_port:+redis://127.0.0.1:$redis_port/0}" TICKETS_REDIS_TIMEOUT_SECONDS=30 \
      TICKETS_STAFF_PASSWORD="$password" TICKETS_API_TOKEN="$token" \
      TICKETS_KIOSK_TOKEN="$kiosk_token" TICKETS_STREAM_LIMIT=0 \
      TICKETS_TAKE_LIMIT="$take_limit" TICKETS_MAX_WAITING="$max_waiting" \
      ${office_file:+TICKETS_CONFIG="$office_file" TICKETS_CONFIG_OVERWRITE=1} \
      "$bin" >"$log_file" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    while ! probe "$port" /readyz; do
      if ! kill -0 "$server_pid" 2>/dev/null; then
        break
      fi
      if (((${EPOCHREALTIME/./} - t0) > 20000000)); then
        die "the server on the $kind store was not ready within 20 s (log: $log_file)"
      fi
      nap 0.001
    done
    t1=${EPOCHREALTIME/./}
    if kill -0 "$server_pid" 2>/dev/null; then
      ready_us=$((t1 - t0))
      store="$kind"
      return
    fi
    wait "$server_pid" 2>/dev/null || true
    forget_pid "$server_pid"
    grep -q "cannot listen" "$log_file" || {
      cat "$log_file" >&2
      die "the server on the $kind store exited at start"
    }
  done
  die "could not bind the server to a free port"
}

stop_server() {
  [ -n "$server_pid" ] && stop_pid "$server_pid"
  server_pid=""
}

# Calls the API as staff: api METHOD PATH [BODY]; prints the answer, fails on an error.
api() {
  curl -sS -f -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "http://127.0.0.1:$port$2"
}

json_num() { sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p"; }
queue_length() { api GET /api/tickets/status | json_num queue_length; }

# Sends COUNT requests one after another on one keep-alive connection:
# batch COUNT METHOD PATH [BODY-PREFIX [MODULO]] — with a body prefix, request i gets the
# body {"desk":"<prefix><i>"} (<i modulo MODULO> when given); without one, the body in
# BATCH_BODY if set. Staff credentials on every request. Fails unless all are 2xx.
batch() {
  local count="$1" method="$2" path="$3" desk="${4:-}" modulo="${5:-0}" cfg="$work/batch.curl" i codes bad
  {
    for ((i = 0; i < count; i++)); do
      printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\nsilent\n' "$port" "$path"
      printf 'request = "%s"\nheader = "Authorization: Bearer %s"\n' "$method" "$token"
      printf 'write-out = "%%{http_code}\\n"\n'
      if [ -n "$desk" ]; then
        printf 'header = "Content-Type: application/json"\n'
        printf 'data = "{\\"desk\\":\\"%s%d\\"}"\n' "$desk" "$(((modulo > 0) ? i % modulo : i))"
      elif [ -n "${BATCH_BODY:-}" ]; then
        printf 'header = "Content-Type: application/json"\n'
        printf 'data = "%s"\n' "${BATCH_BODY//\"/\\\"}"
      fi
      [ "$i" -lt $((count - 1)) ] && printf 'next\n'
    done
  } >"$cfg"
  codes="$(curl -K "$cfg")"
  bad="$(grep -cv '^2' <<<"$codes" || true)"
  [ "$bad" = 0 ] || die "$bad of $count $method $path answered an error: $(sort <<<"$codes" | uniq -c | tr '\n' ' ')"
}

new_day() {
  api POST /api/tickets/reset-day >/dev/null
  api POST /api/tickets/start-day >/dev/null
}

# --- start-up time and memory ----------------------------------------------------------

declare -A ready_ms idle_rss
rss_bulk=""

startup() {
  local kind="$1" i times=() rss=()
  for ((i = 0; i < starts; i++)); do
    start_server "$kind"
    times+=("$ready_us")
    nap 0.3
    rss+=("$(rss_kb "$server_pid")")
    if [ "$kind" = memory ] && [ "$i" -eq $((starts - 1)) ]; then
      api POST /api/tickets/start-day >/dev/null
      batch "$bulk_tickets" POST /api/tickets/take
      nap 0.3
      rss_bulk="$(rss_kb "$server_pid")"
    fi
    stop_server
  done
  ready_ms[$kind]="$(calc '%.1f' "$(median "${times[@]}") / 1000")"
  ready_ms[$kind.min]="$(calc '%.1f' "$(printf '%s\n' "${times[@]}" | sort -n | head -n1) / 1000")"
  idle_rss[$kind]="$(calc '%.1f' "$(median "${rss[@]}") / 1024")"
}
