-- Appended to every script by bench/wrk.py: prints the run's numbers as one JSON line that it parses.
-- Latencies are in microseconds; "status" counts answers of 400 and above (wrk's "Non-2xx or 3xx").
local PERCENTILES = {}
for p = 1, 99 do
  PERCENTILES[#PERCENTILES + 1] = p
end
PERCENTILES[#PERCENTILES + 1] = 99.5
PERCENTILES[#PERCENTILES + 1] = 99.9

function done(summary, latency, requests)
  local points = {}
  for _, p in ipairs(PERCENTILES) do
    points[#points + 1] = string.format("[%g, %.0f]", p, latency:percentile(p))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "errors": {"connect": %.0f, "read": %.0f, '
      .. '"write": %.0f, "status": %.0f, "timeout": %.0f}, "percentiles_us": [%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(points, ", ")
  ))
end
