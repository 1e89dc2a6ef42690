"""Utility billing in two halves: accounts/ (the copy of what Caselle says) and payments/ (paying it)."""
