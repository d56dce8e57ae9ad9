-- wrk script for bench/run.py:
--   wrk ... --script bench/report.lua URL -- [COOKIE ...]
-- Each COOKIE ("sessionid=...") is one signed-in session; every thread rotates over them, as
-- several people signed in to the same account would. Responses whose status is not 200 are
-- counted per thread and summed in done(), which prints one parseable line starting "BENCH".

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  not_ok = 0
  if #args == 0 then
    prepared[1] = wrk.format()
  else
    for i, cookie in ipairs(args) do
      prepared[i] = wrk.format(nil, nil, { ["Cookie"] = cookie })
    end
  end
  -- Start each thread at a different session so they do not move in step.
  position = thread_number % #prepared
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local not_200 = 0
  for _, thread in ipairs(threads) do
    not_200 = not_200 + thread:get("not_ok")
  end
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f non200=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, not_200, socket_errors
  ))
end
