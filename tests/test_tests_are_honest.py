"""Every test says what it checks, every time: no assertion behind an ``if``, nothing skipped or expected to fail.

An ``assert`` inside an ``if`` of a test function checks something only on the runs where the
condition happens to hold, so a test can pass while checking nothing; a skip or an xfail hides a
test from the run. Where a branch is truly needed, make the data certain instead, or split the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HIDING = {"skip", "skipif", "xfail", "importorskip"}

# (file relative to tests/, test function) -> why its branch is honest. Keep it empty if at all possible.
ALLOWED: dict[tuple[str, str], str] = {}


def _asserts_behind_an_if(function: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(function):
        if isinstance(node, ast.If):
            lines += [sub.lineno for sub in ast.walk(node) if isinstance(sub, ast.Assert)]
    return sorted(set(lines))


def findings(source: str, name: str) -> list[str]:
    """What hides a check in one test module's source: ``name:line what``."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            if (name, node.name) not in ALLOWED:
                found += [f"{name}:{line} assert behind an if in {node.name}" for line in _asserts_behind_an_if(node)]
        elif isinstance(node, ast.Attribute) and node.attr in HIDING:
            found.append(f"{name}:{node.lineno} {node.attr}")
    return found


def test_no_test_hides_an_assertion_behind_an_if_or_skips():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path != Path(__file__).resolve():
            found += findings(path.read_text(), str(path.relative_to(TESTS)))
    assert found == []


def test_the_check_finds_each_way_of_hiding():
    source = '''
import pytest

@pytest.mark.skipif(True, reason="x")
def test_a(value):
    if value:
        assert value == 1
    for n in range(3):
        if n:
            with open("f"):
                assert n

@pytest.mark.xfail
def test_b():
    pytest.skip("later")

def helper(value):
    if value:
        assert value
'''
    assert sorted(findings(source, "t.py"), key=lambda f: int(f.split(":")[1].split()[0])) == [
        "t.py:4 skipif", "t.py:7 assert behind an if in test_a", "t.py:11 assert behind an if in test_a",
        "t.py:13 xfail", "t.py:15 skip"]  # the helper's branch is not a test's
