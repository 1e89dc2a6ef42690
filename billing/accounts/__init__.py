"""The account copy: the local, tenant-scoped copy of what Caselle says about each utility account.

It owns snapshots (balance due, due date), bills and their PDFs, history lines, usage reads, graphs,
the period state and the catch-up after the office closes a period, and the customer's account pages
(Utility Billing home, Bills and Payments, Graphs, paperless). It reads Caselle only through
cows_bridge/; payments/ builds on it (access_account, snapshots), never the reverse.
"""
