"""Webhooks's rules: no I/O here."""
