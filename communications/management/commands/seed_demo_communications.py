"""Two demo communications for a city (a rate sheet and a newsletter): safe to run again."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.template.loader import render_to_string

from communications.services import post_communication
from portal.models import Tenant

DEMO_DOCUMENTS = (
    ("communications/demo/rates.html", "2026-water-and-sewer-rates.pdf", "2026 Water and Sewer Rates"),
    ("communications/demo/newsletter.html", "fall-2026-newsletter.pdf", "Fall 2026 Newsletter"),
)


class Command(BaseCommand):
    help = "Post two demo PDFs (2026 rates, fall newsletter) for a city that has no communications yet."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the city's slug")

    def handle(self, *args, tenant, **options):
        city = Tenant.objects.filter(slug=tenant).first()
        if city is None:
            raise CommandError(f"No city with the slug {tenant!r}.")
        if city.communications.exists():
            self.stdout.write(f"{city.name} already has communications; nothing to do.")
            return
        from weasyprint import HTML  # slow to import; only needed here

        # Rendered before the transaction: WeasyPrint takes a moment per document.
        documents = [(filename, description,
                      HTML(string=render_to_string(template, {"tenant": city})).write_pdf())
                     for template, filename, description in DEMO_DOCUMENTS]
        with transaction.atomic():
            if Tenant.objects.select_for_update().get(pk=city.pk).communications.exists():
                self.stdout.write(f"{city.name} already has communications; nothing to do.")
                return
            # Oldest first, so the newsletter is the latest communication.
            for filename, description, pdf in documents:
                post_communication(tenant=city, pdf_bytes=pdf, filename=filename, description=description)
        self.stdout.write(f"Posted {len(documents)} demo communications for {city.name}.")
