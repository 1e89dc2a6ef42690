"""Every URL that takes an object id answers 404 to people of another city (and other people).

New views with an id in their URL must register here how to make one of their objects:
the first test fails until they do.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from customers.models import LinkedAccount


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p


def object_url_names() -> set[str]:
    names = set()
    for route, name, pattern in walk(get_resolver("portal.urls").url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if pattern.pattern.converters and not module.startswith("allauth"):
            names.add(name)
    return names


def make_linked_account(city):
    link = LinkedAccount.objects.create(tenant=city.tenant, user=city.resident, account_key="1000100",
                                        customer_number="001-0001-00")
    return {"link_id": link.id}


# url name -> how to make one object owned by the city's resident (returns the URL kwargs)
OBJECT_URLS = {
    "billing:unlink": make_linked_account,
}


def test_every_object_url_is_covered_here():
    assert object_url_names() == set(OBJECT_URLS), "register new object URLs in OBJECT_URLS"


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_other_city_and_other_people_get_404(name, riverton, lakeside, larry, client_for):
    from django.urls import reverse

    kwargs = OBJECT_URLS[name](riverton)
    url = reverse(name, kwargs=kwargs, urlconf="portal.urls")
    owner = client_for(riverton.resident, riverton.tenant)
    assert owner.get(url).status_code == 200
    for client in (client_for(lakeside.resident, lakeside.tenant), client_for(lakeside.clerk, lakeside.tenant),
                   client_for(larry, riverton.tenant)):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert owner.get(url).status_code == 200  # nothing was changed by the others
