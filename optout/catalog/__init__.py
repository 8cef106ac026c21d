"""Topics, partners and campaigns: the data that links and choices refer to."""
