"""CoMensha's national view: occupancy and its history, freshness, unmet demand, time to placement,
the CoMensha reports still owed, exports and the what-if. Reads the other domains; nothing imports it."""
