import time

from django.core.management.base import BaseCommand

from stats.facts import rebuild


class Command(BaseCommand):
    help = "Recompute the dashboard's aggregates from the cases (after a bulk import or a restore)."

    def handle(self, *args, **options):
        started = time.monotonic()
        done = rebuild(progress=lambda n: n % 200000 == 0 and self.stdout.write(f"  {n} cases"))
        self.stdout.write(f"Rebuilt statistics of {done} cases in {time.monotonic() - started:.1f} s.")
