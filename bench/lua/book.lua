-- POST a booking of 1..BENCH_MAX_SEATS seats on a random target with a random token and a
-- fresh Idempotency-Key. BENCH_TARGETS holds JSON fragments, one a line, such as
-- "train_number": 10001, "source": "Station 0001", "destination": "Station 0042"
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

collect_ids = true
local targets, path, max_seats
local sent = 0

function init(args)
   common_init()
   targets = read_lines(os.getenv("BENCH_TARGETS"))
   path = os.getenv("BENCH_PATH")
   max_seats = tonumber(os.getenv("BENCH_MAX_SEATS") or "2")
end

function request()
   sent = sent + 1
   local body = string.format('{%s, "seat_count": %d}', targets[math.random(#targets)], math.random(max_seats))
   return wrk.format("POST", path, {
      ["Authorization"] = auth_header(),
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key_prefix .. sent,
   }, body)
end
