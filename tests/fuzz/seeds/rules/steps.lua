rule { id = "f.step", stage = "engage", options = "all", because = "x",
  step = function(intake, ctx) return "=1+1 " .. tostring(ctx.top) .. (intake.notes or "") end }
rule { id = "f.need", stage = "needs", because = function(i) return "=" .. i.id end,
  need = function(intake) local t = {} for _, a in ipairs(areas) do t[a] = 1 end return t end }
rule { id = "f.ex", stage = "shortlist", because = "x", exclude = function() return { "csp" } end }
