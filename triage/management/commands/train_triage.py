import time

from django.core.management.base import BaseCommand

from triage import training


class Command(BaseCommand):
    help = "Train the category suggestion model on the closed cases (the worker also does it daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=training.MAX_CASES, help="the newest closed cases to train on"
        )

    def handle(self, *args, limit: int, **options):
        started = time.monotonic()
        model = training.train(limit=limit)
        took = time.monotonic() - started
        if model is None:
            self.stdout.write(
                f"Not trained: fewer than {training.MIN_CASES} closed cases with a description, or only "
                f"one category ({took:.1f} s). Suggestions come from the keyword lexicon alone."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained on {model.trained_on} closed cases in {took:.1f} s "
                f"({len(model.classes)} categories)."
            )
        )
