from django.core.management.base import BaseCommand

from operations.demo import ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the 夔北街道 demo data (idempotent)."

    def handle(self, *args, **options):
        _users, created = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} demo cases created)."))
        self.stdout.write("Demo accounts (demo only, password %r):" % DEMO_PASSWORD)
        for username, name, role, department in ACCOUNTS:
            extra = f", {department}" if department else ""
            self.stdout.write(f"  {username:<11} {name} ({role}{extra})")
        self.stdout.write("  admin       Django admin (superuser)")
