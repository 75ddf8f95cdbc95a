-- wrk script: POST the sign-in body given in BENCH_SIGN_IN_BODY (JSON) to the target URL.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_SIGN_IN_BODY")
wrk.headers["Content-Type"] = "application/json"
