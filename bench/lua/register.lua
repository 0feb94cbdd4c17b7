-- POST /register with a new username per request: BENCH_PREFIX (random per run) and a counter.
-- Run with one wrk thread (-t1): the counter lives in that thread's Lua state.
local prefix = os.getenv("BENCH_PREFIX")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local body = string.format(
    '{"username": "%s%d", "password": "violet-Staircase-42-%d"}', prefix, counter, counter
  )
  return wrk.format(nil, nil, nil, body)
end
