-- The prober: GET with the bearer token from BENCH_TOKEN, BENCH_PROBE_GAP_MS (default 5) apart on its
-- connection, so that it samples latency without being load itself (wrk waits delay() ms between requests).
local token = os.getenv("BENCH_TOKEN")
if token ~= nil then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local gap_ms = tonumber(os.getenv("BENCH_PROBE_GAP_MS") or "5")

function delay()
  return gap_ms
end
