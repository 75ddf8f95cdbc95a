"""Assistance's rules: no I/O here."""
