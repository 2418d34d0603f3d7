local r = {}
r[1] = pcall(load, "return 1")
r[2] = pcall(function() return string.dump end)
r[3] = pcall(function() return getmetatable("") end)
r[4] = pcall(function() string.lower = nil end)
r[5] = pcall(function() return table.move({}, 1, 1e12, 1, {}) end)
r[6] = pcall(function() return ("x"):rep(1e9) end)
r[7] = pcall(function() return table.unpack({}, 1, 1e8) end)
r[8] = pcall(error, setmetatable and setmetatable({}, {}) or {})
rule { id = "f.esc", stage = "fit", because = "x", score = { csp = #r } }
