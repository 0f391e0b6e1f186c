-- GET a random path of BENCH_PATHS (one a line, query string included) with a random token.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local paths

function init(args)
   common_init()
   paths = read_lines(os.getenv("BENCH_PATHS"))
end

function request()
   return wrk.format("GET", paths[math.random(#paths)], { ["Authorization"] = auth_header() })
end
