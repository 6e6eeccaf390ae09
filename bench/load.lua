-- wrk script for bench/run_bench.py.
-- Arguments (after --): run id, cold (1 or 0), body file ("" for none), then "Header: value" lines.
-- cold: every request asks for a new negative_slope, so no cache can answer it.

local run = 0
local cold = false
local counter = 0
local static = nil

function init(args)
   run = tonumber(args[1])
   cold = args[2] == "1"
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
   if not cold then
      if static == nil then
         static = wrk.format()
      end
      return static
   end
   counter = counter + 1
   local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
   local slope = 0.01 + run * 0.001 + counter * 1e-8
   return wrk.format(nil, wrk.path .. separator .. string.format("negative_slope=%.10f", slope))
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "non2xx": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.timeout, e.status))
end
