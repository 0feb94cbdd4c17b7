-- GET with a bearer token picked at random per request from BENCH_TOKENS_FILE (one token a line).
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
  tokens[#tokens + 1] = line
end
math.randomseed(os.time())

request = function()
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
end
