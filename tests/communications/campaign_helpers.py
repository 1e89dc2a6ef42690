"""Making a city's portal users in bulk (thousands in a second), and running a campaign's queuing as a worker would."""

from __future__ import annotations

from customers.models import LinkedAccount, Membership, User


def make_people(tenant, count: int, *, prefix: str = "person", linked_every: int = 0) -> list[User]:
    """`count` portal users of the city (members), every `linked_every`-th with a linked utility account."""
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@{tenant.slug}.example", first_name=f"First{i}", last_name=f"Last{i}",
              password="!") for i in range(count)], batch_size=2000)
    Membership.objects.bulk_create([Membership(tenant=tenant, user=u) for u in users], batch_size=2000)
    if linked_every:
        LinkedAccount.objects.bulk_create(
            [LinkedAccount(tenant=tenant, user=u, account_key=f"{7000000 + i}", customer_number=f"07-{i:05d}-00")
             for i, u in enumerate(users) if i % linked_every == 0], batch_size=2000)
    return users
