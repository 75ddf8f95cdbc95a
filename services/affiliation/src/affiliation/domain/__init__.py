"""Affiliation's rules: no I/O here."""
