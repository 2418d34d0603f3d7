rule { id = "f.mem", stage = "needs", because = "x", need = { plan = 1 },
  when = function() local t = {} for i = 1, 1e7 do t[i] = {} end return true end }
