"""Notification preferences: which categories of mail and texts each address takes from a city.

The outbox asks `opted_out()` before it sends, and puts `unsubscribe_url()` in every message that is
not transactional; campaigns by text ask `text_recipients()`.
"""

from __future__ import annotations

from .categories import Category
from .choices import choices_of, opted_out, text_recipients
from .tokens import BadToken, read_unsubscribe_token, unsubscribe_url
from .writes import NotOptional, carry_choices, save_preferences, unsubscribe

__all__ = ["BadToken", "Category", "NotOptional", "carry_choices", "choices_of", "opted_out", "read_unsubscribe_token",
           "save_preferences", "text_recipients", "unsubscribe", "unsubscribe_url"]
