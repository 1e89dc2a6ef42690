"""The shape of the code that the design promises, checked so it stays true.

- portal/ is the lowest layer: outside its URL confs and management commands it imports no other app
  of ours (apps hook into it through portal/registry.py, signals and app configs).
- billing/ is two visible halves, accounts/ and payments/, and no file in it grows past 300 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = {"adminpanel", "autopay", "billing", "communications", "customers", "cows_bridge", "sandboxpay",
            "caselle_sim"}
MAX_LINES = 300


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _portal_files_that_must_stand_alone() -> list[Path]:
    files = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        rel = path.relative_to(ROOT / "portal")
        if rel.parts[0] in ("management", "migrations") or path.name.startswith("urls"):
            continue
        files.append(path)
    return files


def test_portal_imports_no_other_app_outside_url_confs_and_commands():
    offenders = {}
    for path in _portal_files_that_must_stand_alone():
        ours = sorted(m for m in _imported_modules(path) if m.split(".")[0] in OUR_APPS)
        if ours:
            offenders[str(path.relative_to(ROOT))] = ours
    assert offenders == {}


def test_the_check_reads_real_files():
    # Guards the test above against vacuously passing on an empty or mislocated tree.
    names = {p.name for p in _portal_files_that_must_stand_alone()}
    assert {"models.py", "middleware.py", "views.py", "registry.py"} <= names


def test_billing_is_in_two_halves_with_their_own_models():
    for half in ("accounts", "payments"):
        package = ROOT / "billing" / half
        assert (package / "__init__.py").read_text().startswith('"""'), f"billing/{half} says what it owns"
        assert (package / "models.py").exists()
    loose = sorted(p.name for p in (ROOT / "billing").glob("*.py")
                   if p.name not in {"__init__.py", "apps.py", "models.py", "tasks.py", "formatting.py"})
    assert loose == []


def test_no_file_in_billing_is_over_300_lines():
    long_files = {str(p.relative_to(ROOT)): n for p in (ROOT / "billing").rglob("*.py")
                  if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long_files == {}
