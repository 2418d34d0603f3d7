-- Keeps the previous intake's id in a new _ENV: the next intake's rule
-- would see it. _ENV is put back before every intake.
local pcall = pcall
rule { id = "t.state.env", stage = "fit", because = "state test: _ENV assigned",
  when = function(intake)
    local ok, last = pcall(function() return last_id end)
    _ENV = { last_id = intake.id }
    return ok and last ~= nil
  end,
  score = { csp = 50 } }
