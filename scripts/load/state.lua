-- wrk script: state queries over the example fleet, rotating entity and valid time.
local paths = {}
local entities = {"Tractor/6520", "Tractor/6521", "Tractor/6530", "Tractor/6544", "Driver/D-17", "Driver/D-22",
                  "Driver/D-31", "Driver/D-40", "Customer/C-100", "Customer/C-200", "Trailer/T-311", "Company/CO-1"}
local days = {"2025-02-01", "2025-02-15", "2025-03-02", "2025-03-20", "2025-04-02", "2025-04-25"}
for _, entity in ipairs(entities) do
  for _, day in ipairs(days) do
    table.insert(paths, "/api/v1/entities/" .. entity .. "/state?at=" .. day .. "T00:00:00Z")
  end
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
