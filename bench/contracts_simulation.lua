-- wrk script: POST /v1/coverage-simulations with the worked example (GP, billed 35 €, BR 30 €),
-- compared with one other guarantee level. The bearer token comes with -H on the command line.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"care_type": "consultation_gp", "billed_eur": "35", "br_eur": "30", "compare_product_codes": ["SANTE-OPTIMUM"]}'
