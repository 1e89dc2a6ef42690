import uuid
from datetime import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from billing.payments.models import Payment, PaymentItem
from customers.models import Membership, User
from portal.models import Tenant

PASSWORD = "Correct-Horse-Battery-9"
# The authenticator app secret of every office admin made by give_totp (base32, as the set-up page shows it).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city{n}")
    name = factory.LazyAttribute(lambda o: f"City of {o.slug.title()}")
    time_zone = "America/Denver"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.CUSTOMER


_ITEM_STATE = {Payment.State.POSTED: PaymentItem.PostState.POSTED, Payment.State.CHARGED: PaymentItem.PostState.WAITING,
               Payment.State.FAILED: PaymentItem.PostState.VOID}


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment row as checkout leaves it, with its utility items, made directly (for lists with many rows).

    ``PaymentFactory(city=riverton, local=(2026, 3, 1, 9, 30), amount="40.00", state=..., items=2)``:
    ``city`` is a ``tests.conftest.City`` (the payment is its resident's); ``local`` is
    (year, month, day, hour, minute) in the city's time zone, or ``when`` an aware datetime;
    ``kind`` is "card" or "ach". For a payment made through the pages, see ``tests.billing.payhelpers.pay``.
    """

    class Meta:
        model = Payment

    class Params:
        city = None
        local = None
        when = factory.LazyAttribute(lambda o: datetime(*o.local, tzinfo=o.city.tenant.zone) if o.local else None)
        kind = "card"
        email = "payer@example.org"
        name = ""

    # Not fields of the payment: they shape its items (see _create).
    items = 2
    customer_number = "001-0042-00"
    confirmation = None

    tenant = factory.LazyAttribute(lambda o: o.city.tenant)
    user = factory.LazyAttribute(lambda o: o.city.resident)
    reference = factory.LazyFunction(lambda: "CC" + uuid.uuid4().hex[:14].upper())
    idempotency_key = factory.LazyAttribute(lambda o: f"k-{o.reference}")
    payer_email = factory.SelfAttribute("email")
    payer_name = factory.SelfAttribute("name")
    state = Payment.State.POSTED
    amount = Decimal("40.00")
    fee = Decimal("1.50")
    total = factory.LazyAttribute(lambda o: Decimal(o.amount) + Decimal(o.fee))
    method_kind = factory.SelfAttribute("kind")
    method_brand = factory.LazyAttribute(lambda o: "Visa" if o.kind == "card" else "Checking")
    method_last4 = factory.LazyAttribute(lambda o: "4242" if o.kind == "card" else "6789")
    method_token = "tok_x"
    provider = "sandbox"
    created_at = factory.LazyAttribute(lambda o: o.when or timezone.now())
    charged_at = factory.SelfAttribute("when")

    @classmethod
    def _create(cls, model_class, *args, items, customer_number, confirmation, **kwargs):
        for money in ("amount", "fee", "total"):
            kwargs[money] = Decimal(kwargs[money])
        payment = super()._create(model_class, *args, **kwargs)
        amount, post_state = payment.amount, _ITEM_STATE.get(payment.state, PaymentItem.PostState.HELD)
        share = (amount / items).quantize(Decimal("0.01"))
        PaymentItem.objects.bulk_create([
            PaymentItem(tenant=payment.tenant, payment=payment, reference=f"{payment.reference}-{n}",
                        kind=PaymentItem.Kind.UTILITY, account_key=customer_number.replace("-", ""),
                        customer_number=customer_number, post_state=post_state,
                        amount=share if n < items else amount - share * (items - 1),
                        confirmation_number=(confirmation or f"CR-{uuid.uuid4().int % 10**7:07d}")
                        if post_state == PaymentItem.PostState.POSTED else "")
            for n in range(1, items + 1)])
        return payment


def give_totp(user, secret: str = TOTP_SECRET):
    """The person has set up an authenticator app with this secret (and has recovery codes), as allauth's
    set-up page leaves them: office screens open for an office admin only then. Returns the TOTP authenticator."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    totp = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    if totp is None:
        totp = TOTP.activate(user, secret).instance
    if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    return totp


def totp_code(user, secret: str = TOTP_SECRET) -> str:
    """A code the person's authenticator app shows now that allauth has not yet seen used (codes count once).

    allauth accepts the codes of the step before, now and after (MFA_TOTP_TOLERANCE = 1), so a second
    sign-in within the same 30 seconds takes the next step's code.
    """
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
    from django.core.cache import cache

    now = int(time.time()) // 30
    totp = TOTP(Authenticator(user_id=user.pk, type=Authenticator.Type.TOTP))
    for step in (now, now + 1, now - 1):
        code = format_hotp_value(hotp_value(secret, step))
        if cache.get(totp._get_used_cache_key(code)) is None:
            return code
    raise AssertionError("the codes of the steps around now have all been used")


def recovery_codes(user) -> list[str]:
    """The person's unused recovery codes (what the recovery codes page shows)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    return RecoveryCodes(Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES)
                         ).get_unused_codes()
