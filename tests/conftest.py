"""Two cities and named people, shared by every test.

Riverton: Rosa (resident), Carl (clerk, office admin), Larry (landlord).
Lakeside: Lena (resident), Lars (clerk).
Tests reach pages with the test client on 127.0.0.1 and a Host header, as Python cannot
resolve *.localhost (Chromium can, in the browser tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from customers.models import Membership
from portal.middleware import SESSION_TENANT_KEY

from .factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")



def host_of(tenant) -> str:
    return f"{tenant.slug}.localhost"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class City:
    tenant: object
    resident: object
    clerk: object

    @property
    def host(self) -> str:
        return host_of(self.tenant)


@pytest.fixture
def riverton(db) -> City:
    tenant = TenantFactory(slug="riverton", name="City of Riverton")
    rosa = UserFactory(email="rosa@example.org", first_name="Rosa")
    carl = UserFactory(email="carl@riverton.example", first_name="Carl")
    MembershipFactory(tenant=tenant, user=rosa)
    MembershipFactory(tenant=tenant, user=carl, role=Membership.Role.OFFICE_ADMIN)
    return City(tenant, rosa, carl)


@pytest.fixture
def lakeside(db) -> City:
    tenant = TenantFactory(slug="lakeside", name="Town of Lakeside", time_zone="America/Chicago")
    lena = UserFactory(email="lena@example.org", first_name="Lena")
    lars = UserFactory(email="lars@lakeside.example", first_name="Lars")
    MembershipFactory(tenant=tenant, user=lena)
    MembershipFactory(tenant=tenant, user=lars, role=Membership.Role.OFFICE_ADMIN)
    return City(tenant, lena, lars)


@pytest.fixture
def larry(riverton):
    """A landlord with a portal login at Riverton."""
    user = UserFactory(email="larry@landlords.example", first_name="Larry")
    MembershipFactory(tenant=riverton.tenant, user=user)
    return user


class CityClient(Client):
    """A test client that talks to one city's host."""

    def __init__(self, host: str, **kwargs):
        super().__init__(HTTP_HOST=host, **kwargs)
        self.host = host


def login_client(user, tenant) -> CityClient:
    client = CityClient(host_of(tenant))
    client.force_login(user)
    session = client.session
    session[SESSION_TENANT_KEY] = tenant.id
    session.save()
    return client


@pytest.fixture
def client_for():
    return login_client


@pytest.fixture
def anon_client():
    return lambda tenant: CityClient(host_of(tenant))


@pytest.fixture
def password() -> str:
    return PASSWORD
