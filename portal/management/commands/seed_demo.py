"""The demo city, its office admin and a resident: safe to run again."""

import json
from pathlib import Path

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from customers.models import User
from customers.services import create_office_admin, ensure_membership
from portal.models import Tenant

DEMO_PASSWORD = "Demo-Portal-2026"
DEMO_CLERK = "clerk@demo.example"
DEMO_RESIDENT = "resident@demo.example"


class Command(BaseCommand):
    help = "Create or refresh the demo city (slug demo), its office admin and a demo resident."

    def add_arguments(self, parser):
        parser.add_argument("--cows-url", default="", help="the simulator's base URL")
        parser.add_argument("--cows-key", default="", help="the demo office's API key at the simulator")
        parser.add_argument("--samples", default="", help="the simulator generator's JSON output (sample accounts)")

    def handle(self, *args, cows_url, cows_key, samples, **options):
        with transaction.atomic():
            tenant, clerk, resident = self._seed_people(cows_url, cows_key, samples)
        if samples:
            from portal.management.demo import seed_office_demo

            self.stdout.write("Demo office screens (paperless, deposits, Email Bills, a campaign, the Email log):")
            self.stdout.write("\n".join(seed_office_demo(tenant=tenant, clerk=clerk, resident=resident)))
            self._write_linkable(tenant, samples)
        self.stdout.write(f"Demo city ready: {tenant.name} (demo). Logins: {DEMO_CLERK} (office admin), "
                          f"{DEMO_RESIDENT} (resident), password {DEMO_PASSWORD}")

    def _seed_people(self, cows_url, cows_key, samples):
        """The city, its look and provider accounts, the clerk, the resident, landlord and AutoPay households."""
        tenant, _ = Tenant.objects.get_or_create(slug="demo", defaults={"name": "City of Demo"})
        if cows_url:
            tenant.cows_url, tenant.cows_api_key = cows_url, cows_key
            tenant.save(update_fields=["cows_url", "cows_api_key"])
        settings = tenant.portal_settings
        if not settings.landing_message:
            settings.landing_message = ("Welcome to the City of Demo's online services. Pay your utility bill, "
                                        "go paperless, and see your water use.")
            settings.login_top_message = "Pay your water, sewer and garbage bill online, any time."
            settings.login_bottom_message = "Questions? Call the utility office at (555) 010-0100."
            settings.office_phone = "(555) 010-0100"
            settings.save()
        self._seed_look(tenant, samples)
        self._seed_provider_accounts(tenant)
        clerk, _ = create_office_admin(tenant=tenant, email=DEMO_CLERK, password=DEMO_PASSWORD)
        resident = User.objects.filter(email=DEMO_RESIDENT).first()
        if resident is None:
            resident = User.objects.create_user(email=DEMO_RESIDENT, password=DEMO_PASSWORD,
                                                first_name="Riley", last_name="Resident")
        EmailAddress.objects.update_or_create(user=resident, email=DEMO_RESIDENT,
                                              defaults={"verified": True, "primary": True})
        ensure_membership(tenant=tenant, user=resident)
        call_command("seed_demo_communications", "--tenant", tenant.slug, stdout=self.stdout)
        self._seed_home_message(tenant)
        if samples:
            self._link_resident(tenant, resident, samples)
            from autopay.demo import seed_autopay_demo

            keys = set(resident.linked_accounts.filter(tenant=tenant).values_list("account_key", flat=True))
            lines = seed_autopay_demo(tenant=tenant, password=DEMO_PASSWORD, skip_keys=keys)
            if lines:
                self.stdout.write("Demo AutoPay households (password as above):")
                self.stdout.write("\n".join(lines))
            from customers.demo import seed_people_demo

            lines = seed_people_demo(tenant=tenant, password=DEMO_PASSWORD, clerk=clerk, resident=resident)
            if lines:
                self.stdout.write("Demo landlord and failed link attempts (password as above):")
                self.stdout.write("\n".join(lines))
        return tenant, clerk, resident

    def _seed_provider_accounts(self, tenant):
        """Two accounts at the provider, as Deposit Reconciliation's choice shows: General, and Utility for bills."""
        from billing.payments.providers import add_utility_account, payment_settings

        if payment_settings(tenant).provider != "none":
            add_utility_account(tenant=tenant, name="Utility", general_name="General")

    def _seed_home_message(self, tenant):
        """Utility Billing home's message, pointing to the newsletter the seed posts, once."""
        from portal import portal_settings

        if not portal_settings.settings_for_edit(tenant).utility_home_message:
            portal_settings.update_portal_settings(tenant=tenant, acting_user=None, changes={"utility_home_message": (
                "The Fall 2026 Newsletter is under Communications.\n"
                "Hydrant flushing on Elm Street next Monday, 8am to noon: the water may look cloudy for an hour.")})

    def _seed_look(self, tenant, samples_path=""):
        """The office's contact details (in the simulator office's town) and a main-page photo, once."""
        from django.core.files import File

        from portal import portal_settings
        from portal.branding import PHOTO, clean_image

        current = portal_settings.settings_for_edit(tenant)
        town = "Demo"
        if samples_path:  # the town line of the office's accounts, e.g. "Demo, NM 87254"
            town = json.loads(Path(samples_path).read_text().strip().splitlines()[-1]).get("town") or town
        if not current.office_email:
            portal_settings.update_portal_settings(tenant=tenant, acting_user=None, changes={
                "office_email": "utility@demo.example", "office_address": "100 Main Street\n" + town})
        if not current.photo:
            with (Path(__file__).resolve().parents[2] / "demo" / "main-photo.jpg").open("rb") as f:
                image = clean_image(File(f, name="main-photo.jpg"), kind=PHOTO)
            portal_settings.set_image(tenant=tenant, kind="photo", image=image, acting_user=None,
                                      alt_text="Green hills under a clear blue sky, the sun rising over them")

    def _link_resident(self, tenant, resident, samples_path):
        from customers import linking

        data = json.loads(Path(samples_path).read_text().strip().splitlines()[-1])
        samples = data.get("samples") or []
        if not samples:
            return
        first = samples[0]
        try:
            linking.link_account(tenant=tenant, user=resident, customer_number=first["customer_number"],
                                 last_name=first["last_name"])
        except linking.AlreadyLinked:
            pass
        except linking.LinkError as exc:
            self.stderr.write(f"Could not link the demo resident's account through COWS ({exc.code}).")

    def _write_linkable(self, tenant, samples_path):
        """bin/run's banner lists these: sample accounts nobody has linked yet (number, last name, last bill)."""
        from cows_bridge import client as cows
        from cows_bridge.errors import CowsError

        data = json.loads(Path(samples_path).read_text().strip().splitlines()[-1])
        linked = set(tenant.linked_accounts.values_list("account_key", flat=True))
        lines = []
        for sample in data.get("samples") or []:
            if sample["customer_number"].replace("-", "") in linked:
                continue
            try:
                live = cows.get_account(tenant, sample["customer_number"])
                amount = live.last_billed_amount
            except CowsError:
                amount = sample["last_billed_amount"]
            lines.append(f"    {sample['customer_number']}   {sample['last_name']:<14} ${amount}")
        out = Path(samples_path).with_name("demo-accounts.txt")
        out.write_text("".join(line + "\n" for line in lines))
        self.stdout.write("Sample accounts you can link (customer number, last name, last billed amount):")
        self.stdout.write("\n".join(lines) or "    (none: every sample account is linked)")
