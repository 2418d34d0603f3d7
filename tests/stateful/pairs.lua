-- A reason that follows pairs order over string keys: the order depends on
-- the state's hash seed, so two runs can write different text.
rule { id = "t.state.pairs", stage = "fit",
  because = function()
    local t = { alpha = 1, bravo = 2, charlie = 3, delta = 4, echo = 5, foxtrot = 6 }
    local s = ""
    for k in pairs(t) do s = s .. k .. " " end
    return "visits " .. s
  end,
  score = { csp = 1 } }
