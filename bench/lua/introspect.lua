-- POST the introspection form with a token picked at random per request from BENCH_TOKENS_FILE (one a line),
-- the resource server authenticated with HTTP Basic (BENCH_BASIC: the header's value).
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
  tokens[#tokens + 1] = line
end
math.randomseed(os.time())
local headers = {
  ["Authorization"] = os.getenv("BENCH_BASIC"),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}

request = function()
  return wrk.format("POST", nil, headers, "token=" .. tokens[math.random(#tokens)])
end
