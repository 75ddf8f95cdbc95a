"""Notify's rules: which message an event asks for, its identity, and retry policy. No I/O."""
