"""Callback's rules: no I/O here."""
