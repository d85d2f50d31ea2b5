"""Composers for the meetings app's emails (see governance.outbox)."""
