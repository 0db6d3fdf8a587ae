"""The access log: an append-only, hash-chained record of who saw or changed which patient data."""
