"""Helpers shared by the simulator's tests (not fixtures: plain functions)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from decimal import Decimal

CUSTOMER_NUMBER_RE = re.compile(r"^\d{3}-\d{4}-\d{2}$")
AMOUNT_RE = re.compile(r"^-?\d+\.\d{2}$")


def cents(text: str) -> int:
    assert AMOUNT_RE.match(text), f"not a two-decimal amount: {text!r}"
    return int(Decimal(text) * 100)


def pdf_contains(data: bytes, text: str) -> bool:
    """pdftotext when installed; else look in the PDF's (decompressed) streams for the title."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
        if text.encode() in out:
            return True
    needle = text.encode()
    if needle in data:
        return True
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            if needle in zlib.decompress(m.group(1)):
                return True
        except zlib.error:
            continue
    return False
