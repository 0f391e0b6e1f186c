-- Shared by the scenario scripts: per-thread status counts and booking ids, and a done()
-- that aggregates them over the threads and prints one JSON line for the runner.
--
-- Environment: BENCH_TOKENS (file of API tokens, one a line), BENCH_IDS_FILE (where the
-- booking ids of 201 answers are written, optional).

local threads = {}
local thread_count = 0

statuses = {}
booking_ids = {}
collect_ids = false

function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then
         lines[#lines + 1] = line
      end
   end
   return lines
end

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_id", thread_count)
   threads[#threads + 1] = thread
end

function common_init()
   tokens = read_lines(os.getenv("BENCH_TOKENS"))
   math.randomseed(os.time() * 1000 + thread_id)
   key_prefix = (os.getenv("BENCH_KEY_PREFIX") or "bench") .. "-" .. thread_id .. "-"
end

function auth_header()
   return "Token " .. tokens[math.random(#tokens)]
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if collect_ids and status == 201 then
      local id = string.match(body, '"booking_id":%s*(%d+)')
      if id then
         booking_ids[#booking_ids + 1] = id
      end
   end
end

function done(summary, latency, requests)
   local totals = {}
   local ids_path = os.getenv("BENCH_IDS_FILE")
   local ids_file = ids_path and io.open(ids_path, "w")
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         totals[status] = (totals[status] or 0) + count
      end
      if ids_file then
         for _, id in ipairs(thread:get("booking_ids")) do
            ids_file:write(id, "\n")
         end
      end
   end
   if ids_file then
      ids_file:close()
   end
   local parts = {}
   for status, count in pairs(totals) do
      parts[#parts + 1] = string.format('"%d": %d', status, count)
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
         .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}, '
         .. '"statuses": {%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.timeout,
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      table.concat(parts, ", ")))
end
