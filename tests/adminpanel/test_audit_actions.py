"""The Audit log's Action filter in words ("Email Events: saved"), for every action the portal records."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

from adminpanel.audit_actions import ACTION_LABELS

from .test_audit_screen import SCREEN, clerk, entry  # noqa: F401 - the clerk fixture

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = {".venv", "tests", "bench", "caselle_sim", "node_modules", "var"}


def recorded_actions() -> set[str]:
    """Every literal action code passed to audit.record / record_changes in the portal's code."""
    found = set()
    for path in ROOT.rglob("*.py"):
        if LEFT_OUT & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
                    in ("record", "record_changes") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)):
                found.add(node.args[1].value)
    return found


def test_every_action_the_portal_records_has_words():
    actions = recorded_actions()
    assert {"email_event.save", "settings.general", "staff.invite"} <= actions  # the search finds them
    assert sorted(actions - set(ACTION_LABELS)) == []
    # the authenticator's three changes are recorded as f"mfa.{change}"
    assert {"mfa.added", "mfa.removed", "mfa.reset"} <= set(ACTION_LABELS)


def test_the_action_filter_lists_words_and_an_unknown_code_as_it_is(riverton, clerk):  # noqa: F811
    entry(riverton, action="email_event.save", summary="Changed the Email Event")
    entry(riverton, action="mfa.added", summary="Set up: authenticator app")
    entry(riverton, action="old.thing", summary="Something from before")
    body = html.unescape(clerk.get(SCREEN).content.decode())
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', body, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [("", "Any action"), ("mfa.added", "Authenticator: set up"),
                       ("email_event.save", "Email Events: saved"), ("old.thing", "old.thing")]
    shown = html.unescape(clerk.get(SCREEN, {"action": "email_event.save"}).content.decode())
    assert '<small class="muted">Email Events: saved</small>' in shown and "Something from before" not in shown


def test_the_table_says_what_was_done_in_words_never_as_a_code(riverton, clerk):  # noqa: F811
    words = {"mfa.added": "Authenticator: set up", "view_as.stop": "View as customer: stopped",
             "staff.remove": "Staff: removed", "landlord.link": "Landlord: portal user linked",
             "landlord.unlink": "Landlord: link removed"}
    for code in words:
        entry(riverton, action=code, summary="Done")
    body = html.unescape(clerk.get(SCREEN).content.decode())
    table = re.search(r"<tbody>(.*?)</tbody>", body, re.S).group(1)
    for code, label in words.items():
        assert f'<small class="muted">{label}</small>' in table and code not in table
