"""Make a trusted Open311 client and print its api_key once (only its SHA-256 is stored)."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from api.auth import digest
from api.models import Open311Client


class Command(BaseCommand):
    help = "Create a trusted Open311 client (or give an existing one a new key) and print its api_key."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who the client is, e.g. 12345热线平台")

    def handle(self, *args, name: str, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("The name must be 1 to 100 characters.")
        key = secrets.token_urlsafe(32)
        client, created = Open311Client.objects.update_or_create(
            name=name, defaults={"key_hash": digest(key), "is_active": True}
        )
        self.stdout.write(f"{'Created' if created else 'New key for'} Open311 client {client.name!r}.")
        self.stdout.write(f"api_key={key}")
