-- wrk script: POST /v1/assistance/requests/<id>/validate, each request a different draft (ids from the
-- file named by ASSISTANCE_DRAFTS, one a line; each wrk thread takes every n-th one). The bearer token
-- comes with -H on the command line. A draft validated once answers 409 afterwards (non-2xx).
local threads = {}
local counter = 0

function setup(thread)
   thread:set("offset", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   ids = {}
   for line in io.lines(os.getenv("ASSISTANCE_DRAFTS")) do
      table.insert(ids, line)
   end
   step = 2
   position = offset + 1
end

function request()
   local id = ids[position]
   position = position + step
   if id == nil then
      id = ids[1]
   end
   return wrk.format("POST", "/v1/assistance/requests/" .. id .. "/validate",
                     {["Content-Type"] = "application/json"}, '{}')
end
