"""Old names, kept only until every test imports the shared ones (tests/conftest.py, tests/billing/payhelpers.py,
tests/factories.py); remove this module then."""

from ..billing.payhelpers import pay  # noqa: F401
from ..conftest import link_sample  # noqa: F401
from ..factories import PaymentFactory


def make_payment(city, **options):
    return PaymentFactory(city=city, **options)
