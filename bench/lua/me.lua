-- GET with the bearer token from BENCH_TOKEN (the path comes from the URL on wrk's command line).
local token = os.getenv("BENCH_TOKEN")
if token ~= nil then
  wrk.headers["Authorization"] = "Bearer " .. token
end
