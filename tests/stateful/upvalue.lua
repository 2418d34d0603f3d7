-- A counter in a file-level local: put back before every intake.
local count = 0
rule { id = "t.state.upvalue", stage = "fit", because = "state test: a counter",
  when = function()
    count = count + 1
    return count > 1
  end,
  score = { csp = 50 } }
