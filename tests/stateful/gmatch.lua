-- An iterator made at load keeps its position from one intake to the next:
-- refused when the pack loads.
local next_letter = string.gmatch("abcdefghijklmnopqrstuvwxyz", "%a")
rule { id = "t.state.gmatch", stage = "fit", because = "state test: gmatch at load",
  when = function() return next_letter() == "a" end,
  score = { csp = 50 } }
