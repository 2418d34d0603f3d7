rule { id = "f.loops", stage = "fit", because = "x",
  when = function(intake)
    local t = {}
    for i = 1, 100 do t[#t + 1] = string.rep("x", i) end
    local ok = pcall(function() while true do end end)
    return #table.concat(t) > 0 and ok
  end,
  score = { csp = 1 } }
