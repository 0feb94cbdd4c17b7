-- POST grant_type=refresh_token, each request with a refresh token nobody has used: the tokens of
-- BENCH_REFRESH_TOKENS (comma-separated, more than there are connections), each answer's new one put back.
local pool = {}
for token in string.gmatch(os.getenv("BENCH_REFRESH_TOKENS") or "", "[^,]+") do
  table.insert(pool, token)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

request = function()
  local token = table.remove(pool, 1) or "exhausted"
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, headers, body)
  local token = string.match(body, '"refresh_token":"([^"]+)"')
  if token ~= nil then
    table.insert(pool, token)
  end
end
