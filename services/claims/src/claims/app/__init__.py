"""Use cases: one function per command or consumed event."""
