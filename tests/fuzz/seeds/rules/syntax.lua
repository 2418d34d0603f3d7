rule { id = "f.syntax", stage = "fit", because = "x", score = { csp = 1 }
