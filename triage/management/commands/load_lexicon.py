from django.core.management.base import BaseCommand

from triage.lexicon import load_lexicon


class Command(BaseCommand):
    help = "Seed the demo categories' keyword lexicon (idempotent; categories with keywords keep theirs)."

    def handle(self, *args, **options):
        created = load_lexicon()
        self.stdout.write(self.style.SUCCESS(f"Keyword lexicon ready ({created} keywords created)."))
