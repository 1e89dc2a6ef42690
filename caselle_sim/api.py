"""The HTTP API of the simulated COWS: its route table, and the names server.py and the tests import.

Transport-free: ``App.dispatch`` (app.py) takes a ``Request`` and returns a ``Response`` (or ``DROP``,
meaning "close the socket without answering"), so server.py only moves bytes. The office API's
operations are in handlers.py and receipt_handlers.py, the test-control API's in control.py,
the JSON shapes in answers.py.
"""

from __future__ import annotations

from .app import DROP, MAX_BODY, ApiError, App, OfficeContext, Request, Response, Route, error_response, json_response
from .control import (
    c_attach, c_close_period, c_customer_flags, c_detach, c_faults_add, c_faults_clear, c_faults_list,
    c_missing_pdfs_clear, c_missing_pdfs_get, c_missing_pdfs_set,
)
from .handlers import (
    MAX_BATCH, h_account, h_account_batch, h_bill_pdf, h_bills, h_close_period, h_landlord, h_landlords,
    h_periods, h_set_paperless, h_status, h_transactions, h_usage, h_health,
)
from .receipt_handlers import h_categories, h_get_receipt, h_list_receipts, h_post_receipt, h_validate

__all__ = ["DROP", "MAX_BATCH", "MAX_BODY", "ApiError", "App", "OfficeContext", "Request", "Response",
           "Route", "error_response", "json_response"]


def _routes() -> list[Route]:
    o = ("api", "v1", "offices", "{office}")
    acct = o + ("accounts", "{cn}")
    ctl = ("_control", "offices", "{office}")
    return [
        Route("GET", ("api", "v1", "health"), "health", h_health),
        Route("GET", o + ("status",), "status", h_status),
        Route("POST", o + ("accounts", "batch"), "account_batch", h_account_batch),
        Route("GET", acct, "account_summary", h_account),
        Route("GET", acct + ("bills",), "bills", h_bills),
        Route("GET", acct + ("bills", "{bill_id}", "pdf"), "bill_pdf", h_bill_pdf),
        Route("GET", acct + ("transactions",), "transactions", h_transactions),
        Route("GET", acct + ("usage",), "usage", h_usage),
        Route("PUT", acct + ("paperless",), "set_paperless", h_set_paperless),
        Route("GET", o + ("periods",), "periods", h_periods),
        Route("POST", o + ("periods", "close"), "close_period", h_close_period),
        Route("GET", o + ("landlords",), "landlords", h_landlords),
        Route("GET", o + ("landlords", "{id}"), "landlord", h_landlord),
        Route("GET", o + ("cash-receipting", "categories"), "categories", h_categories),
        Route("POST", o + ("cash-receipting", "validate"), "validate_reference", h_validate),
        Route("POST", o + ("receipts",), "post_receipt", h_post_receipt),
        Route("GET", o + ("receipts",), "list_receipts", h_list_receipts),
        Route("GET", o + ("receipts", "{reference}"), "get_receipt", h_get_receipt),
        Route("POST", ("_control", "faults"), None, c_faults_add),
        Route("GET", ("_control", "faults"), None, c_faults_list),
        Route("DELETE", ("_control", "faults"), None, c_faults_clear),
        Route("POST", ctl + ("close-period",), None, c_close_period),
        Route("POST", ctl + ("landlords", "{id}", "accounts", "{cn}"), None, c_attach),
        Route("DELETE", ctl + ("landlords", "{id}", "accounts", "{cn}"), None, c_detach),
        Route("POST", ctl + ("missing-pdfs",), None, c_missing_pdfs_set),
        Route("POST", ctl + ("customers", "{cn}", "flags"), None, c_customer_flags),
        Route("GET", ctl + ("missing-pdfs",), None, c_missing_pdfs_get),
        Route("DELETE", ctl + ("missing-pdfs",), None, c_missing_pdfs_clear),
    ]
