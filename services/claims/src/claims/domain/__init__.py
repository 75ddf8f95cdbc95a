"""Claims's rules: no I/O here."""
