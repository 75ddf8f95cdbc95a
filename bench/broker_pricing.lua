-- wrk script: POST /v1/broker-pricings, a family of four (two adults, two children) in Paris,
-- Santé Essentiel, option 1. The broker's bearer token comes with -H on the command line.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"product_code": "SANTE-ESSENTIEL", "postcode": "75011", "option_level": 1, "people": ['
  .. '{"relationship": "main", "birth_date": "1984-03-12"}, {"relationship": "spouse", "birth_date": "1986-05-01"}, '
  .. '{"relationship": "child", "birth_date": "2015-06-01"}, {"relationship": "child", "birth_date": "2018-09-01"}]}'
