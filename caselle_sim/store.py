"""The datastore: one SQLite file per office under ``DIR/offices/<slug>/office.sqlite3``.

Why one file per office: generating (or regenerating) an office builds a fresh file beside the
live one and swaps the directory in, so a 100,000-customer build never holds a lock that the
server's other offices would wait on, and the server notices the swap by the file's inode.

What is stored is what the office knows: customers and their profile (the seed of their
history), periods, landlords, Cash Receipting setup, and every mutation made since
generation (receipts, closes, paperless, landlord links). Bills, reads and transaction lines are
derived from these on read by ``ledger.py``; money is always integer cents.
"""

from __future__ import annotations
# The names below are this module's public face: the schema, row types and connections live in
# datastore.py, the reads in queries.py and the writes in mutations.py.
from .datastore import (
    CUSTOMER_COLUMNS, DB_NAME, SCHEMA, SCHEMA_VERSION, SLUG_RE, ConnectionCache, Customer, Office,
    Period, StoreError, UtilityReceipt, connect, list_offices, normalize_customer_number,
    office_dir, offices_root, open_office_db,
)
from .mutations import (
    PERIOD_INSERT, attach_landlord, close_period, detach_landlord, make_period_row,
    set_customer_flags, set_missing_pdfs, set_paperless,
)
from .queries import (
    customer_by_id, find_customer, landlord_ids_for, landlord_json, load_office, load_periods,
    missing_pdf_ids, search_landlords, utility_receipts,
)

__all__ = [
    "CUSTOMER_COLUMNS", "ConnectionCache", "Customer", "DB_NAME", "Office", "PERIOD_INSERT",
    "Period", "SCHEMA", "SCHEMA_VERSION", "SLUG_RE", "StoreError", "UtilityReceipt",
    "attach_landlord", "close_period", "connect", "customer_by_id", "detach_landlord",
    "find_customer", "landlord_ids_for", "landlord_json", "list_offices", "load_office",
    "load_periods", "make_period_row", "missing_pdf_ids", "normalize_customer_number",
    "office_dir", "offices_root", "open_office_db", "search_landlords", "set_customer_flags",
    "set_missing_pdfs", "set_paperless", "utility_receipts",
]
