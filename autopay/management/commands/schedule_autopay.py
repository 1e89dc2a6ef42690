"""Schedule Payments from cron: each city's (or one city's) last closed period, once."""

from django.core.management.base import BaseCommand, CommandError

from autopay.scheduling import ScheduleRefused, schedule_payments
from portal.tenant_work import active_tenants, working_for


class Command(BaseCommand):
    help = "Schedule the AutoPay payments of each city's last closed billing period (once per period)."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="only this city (its slug)")

    def handle(self, *args, city=None, **options):
        tenants = active_tenants().exclude(cows_url="")
        if city:
            tenants = tenants.filter(slug=city)
            if not tenants.exists():
                raise CommandError(f"No active city {city!r} with a COWS connection.")
        for tenant in tenants:
            with working_for(tenant):
                try:
                    run = schedule_payments(tenant=tenant, actor="command:schedule_autopay")
                except ScheduleRefused as exc:
                    self.stdout.write(f"{tenant.slug}: {exc.message}")
                    continue
                self.stdout.write(f"{tenant.slug}: period {run.period_label}: {run.scheduled} scheduled, "
                                  f"{run.charged_now} to charge now, {run.no_balance} with no balance, "
                                  f"{run.already} already scheduled, {len(run.refused)} refused")
                for refusal in run.refused:
                    self.stdout.write(f"  refused {refusal['customer_number']}: {refusal['reason']}")
