-- wrk script: POST /v1/assistance/requests/<id>/validate, each request a real new validation of a
-- different prepared draft (its own selection), with its own Idempotency-Key and the token of the
-- member who owns it. Lines of the file named by ASSISTANCE_DRAFTS: "<request id> <bearer token>";
-- wrk thread n of N (ASSISTANCE_THREADS) takes lines n, n+N, n+2N... Only 201 answers (a validation
-- made) are counted; done() prints "validated <count>" for the bench. When a thread runs out of
-- drafts it sends a replay of its last one (200, not counted): the bench reports it.
local threads = {}
local counter = 0

function setup(thread)
   thread:set("offset", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   lines = {}
   for line in io.lines(os.getenv("ASSISTANCE_DRAFTS")) do
      local id, token = line:match("^(%S+)%s+(%S+)$")
      table.insert(lines, {id, token})
   end
   step = tonumber(os.getenv("ASSISTANCE_THREADS") or "2")
   position = offset + 1
   created = 0
   exhausted = 0
end

function request()
   local line = lines[position]
   if line == nil then
      exhausted = exhausted + 1
      line = lines[position - step] or lines[offset + 1]
   else
      position = position + step
   end
   return wrk.format("POST", "/v1/assistance/requests/" .. line[1] .. "/validate",
                     {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. line[2],
                      ["Idempotency-Key"] = "bench-" .. line[1]}, '{}')
end

function response(status, headers, body)
   if status == 201 then
      created = created + 1
   end
end

function done(summary, latency, requests)
   local total, replays = 0, 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("created")
      replays = replays + thread:get("exhausted")
   end
   io.write(string.format("validated %d\nexhausted %d\n", total, replays))
end
