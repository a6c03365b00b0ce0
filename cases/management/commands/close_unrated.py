from django.core.management.base import BaseCommand

from cases.services import close_unrated


class Command(BaseCommand):
    help = "Close completed cases whose rating window has passed (run hourly from cron or a timer)."

    def handle(self, *args, **options):
        self.stdout.write(f"Closed {close_unrated()} unrated case(s).")
