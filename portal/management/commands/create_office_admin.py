import secrets

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.core.exceptions import ValidationError

from customers.services import create_office_admin
from portal.models import Tenant


class Command(BaseCommand):
    help = "Create (or promote) an office admin of one city, with a verified email."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the city's slug, e.g. demo")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="omit to generate one (printed once)")

    def handle(self, *args, tenant, email, password, **options):
        city = Tenant.objects.filter(slug=tenant).first()
        if city is None:
            raise CommandError(f"No city with slug {tenant!r}. Known: {', '.join(Tenant.objects.values_list('slug', flat=True)) or 'none'}.")
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        generated = not password
        password = password or secrets.token_urlsafe(12)
        user, created = create_office_admin(tenant=city, email=email, password=password)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} office admin {user.email} for {city.name} ({city.slug}).")
        if generated:
            self.stdout.write(f"Password: {password}")
