-- wrk script for bench/run_bench.py.
-- Arguments (after --): run id, cold ("" or "name=start"), body file ("" for none), then "Header: value"
-- lines. cold: every request adds the query parameter name with a new value (start, plus a step for
-- the run and one for each request), so no cache can answer it.

local run = 0
local cold = nil
local cold_start = 0
local counter = 0
local static = nil

function init(args)
   run = tonumber(args[1])
   if args[2] ~= nil and args[2] ~= "" then
      local name, start = args[2]:match("^([^=]+)=(.*)$")
      cold = name
      cold_start = tonumber(start)
   end
   if args[3] ~= nil and args[3] ~= "" then
      local file = assert(io.open(args[3], "rb"))
      wrk.body = file:read("*a")
      file:close()
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
   end
   for i = 4, #args do
      local name, value = args[i]:match("^([^:]+):%s*(.*)$")
      wrk.headers[name] = value
   end
end

function request()
   if cold == nil then
      if static == nil then
         static = wrk.format()
      end
      return static
   end
   counter = counter + 1
   local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
   local value = cold_start + run * 0.001 + counter * 1e-8
   return wrk.format(nil, wrk.path .. separator .. string.format("%s=%.10f", cold, value))
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "non2xx": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.timeout, e.status))
end
