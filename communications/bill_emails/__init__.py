"""Email Bills (the guide's Splitter): each paperless account's bill PDF, emailed after the office closes a period.

A close seen by billing/accounts/periods.py starts one run per (city, period) (hooks.py); the run walks the
accounts the portal knows in chunks (runs.py), picks each paperless one's bill and recipients (selection.py) and
queues the emails through the outbox, which sends each (bill, address) once. See docs/email-bills.md.
"""
