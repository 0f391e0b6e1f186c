-- POST a booking of 1..BENCH_MAX_SEATS seats on a random target with a random token and a
-- fresh Idempotency-Key. BENCH_TARGETS holds JSON fragments, one a line, such as
-- "train_number": 10001, "source": "Station 0001", "destination": "Station 0042"
-- With BENCH_TRAVEL_CLASS (classes separated by commas: each request names one at random) the
-- seats are sold in a class to named passengers, as a passenger buys them from the service;
-- without it, as a bare "seat_count", all the naive baseline reads.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

collect_ids = true
local targets, path, max_seats
local classes = {}
local sent = 0
local names = {"Asha Rao", "Vikram Nair", "Meera Iyer", "Rahul Gupta", "Fatima Khan", "Arjun Das",
               "Priya Menon", "Karan Singh", "Lakshmi Pillai", "Dev Patel", "Nisha Roy", "Omar Sheikh"}

-- The passengers of a party of `count`, as the API takes them: a name and an age each.
local function passengers(count)
   local party = {}
   for i = 1, count do
      party[i] = string.format('{"name": "%s", "age": %d}', names[math.random(#names)], math.random(1, 90))
   end
   return "[" .. table.concat(party, ", ") .. "]"
end

function init(args)
   common_init()
   targets = read_lines(os.getenv("BENCH_TARGETS"))
   path = os.getenv("BENCH_PATH")
   max_seats = tonumber(os.getenv("BENCH_MAX_SEATS") or "2")
   for class in string.gmatch(os.getenv("BENCH_TRAVEL_CLASS") or "", "[^,]+") do
      classes[#classes + 1] = class
   end
end

function request()
   sent = sent + 1
   local target, count = targets[math.random(#targets)], math.random(max_seats)
   local body
   if #classes > 0 then
      local class = classes[math.random(#classes)]
      body = string.format('{%s, "travel_class": "%s", "passengers": %s}', target, class, passengers(count))
   else
      body = string.format('{%s, "seat_count": %d}', target, count)
   end
   return wrk.format("POST", path, {
      ["Authorization"] = auth_header(),
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key_prefix .. sent,
   }, body)
end
