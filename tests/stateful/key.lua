-- Keeps state in a table reachable only as the key of a file-level table:
-- keys are frozen like values, so the write fails on every intake alike.
local registry = { [{}] = true }
rule { id = "t.state.key", stage = "fit", because = "state test: a table used as a key",
  when = function(intake)
    local box = next(registry)
    local before = box.seen
    box.seen = intake.id
    return before ~= nil
  end,
  score = { csp = 50 } }
