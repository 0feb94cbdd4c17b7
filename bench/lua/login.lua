-- POST the password grant as a form; BENCH_USERNAME and BENCH_PASSWORD are already URL-encoded.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=" .. os.getenv("BENCH_USERNAME")
  .. "&password=" .. os.getenv("BENCH_PASSWORD")
