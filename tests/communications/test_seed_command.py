"""manage.py seed_demo_communications --tenant SLUG"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from communications.selectors import current_communications


def seed(slug: str) -> str:
    out = StringIO()
    call_command("seed_demo_communications", "--tenant", slug, stdout=out)
    return out.getvalue()


def test_it_posts_a_rate_sheet_and_a_newsletter_as_real_pdfs(riverton):
    seed("riverton")
    communications = list(current_communications(tenant=riverton.tenant))
    assert [c.description for c in communications] == ["Fall 2026 Newsletter", "2026 Water and Sewer Rates"]
    for communication in communications:
        with communication.file.open("rb") as f:
            data = f.read()
        assert data.startswith(b"%PDF-")
        assert len(data) > 1000


def test_running_it_again_changes_nothing(riverton):
    seed("riverton")
    before = list(riverton.tenant.communications.values_list("id", "file"))
    assert "nothing to do" in seed("riverton")
    assert list(riverton.tenant.communications.values_list("id", "file")) == before


def test_it_leaves_a_city_with_its_own_communications_alone(riverton, post):
    post(riverton, "Our own rates")
    seed("riverton")
    assert [c.description for c in riverton.tenant.communications.all()] == ["Our own rates"]


def test_an_unknown_city_is_an_error(db):
    with pytest.raises(CommandError, match="No city"):
        seed("atlantis")
