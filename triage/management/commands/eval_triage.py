"""`make eval-triage`: category accuracy and duplicate precision/recall on the labelled set in
triage/eval, held-out third, as the README reports them. Everything it writes is rolled back."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from triage import evaluation, matching, suggest, training
from triage.lexicon import load_lexicon
from triage.models import TriageModel


class Command(BaseCommand):
    help = "Measure category suggestion and duplicate matching on triage/eval (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--population", type=int, default=3000, help="cases generated for the population run (0: skip)"
        )
        parser.add_argument(
            "--show-misses", action="store_true", help="list what the TRAINING part got wrong"
        )

    def handle(self, *args, population: int, show_misses: bool, **options):
        with transaction.atomic():
            self._run(population, show_misses)
            transaction.set_rollback(True)

    def say(self, line: str = "") -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _categories(self, title: str, train, held, show_misses: bool) -> None:
        misses: list = []
        self.say(f"  held-out ({len(held)}): {evaluation.category_score(held).line()}")
        in_sample = " (trained on: in-sample)" if title == "trained" else ""
        self.say(
            f"  training ({len(train)}){in_sample}: {evaluation.category_score(train, misses=misses).line()}"
        )
        if show_misses:
            for item, found in misses:
                got = ", ".join(f"{s.category.code} {s.score:.2f} {s.reasons}" for s in found) or "-"
                self.say(f"    miss {item['id']} {item['text']} → {got}")

    def _run(self, population: int, show_misses: bool) -> None:
        created = load_lexicon()
        TriageModel.objects.all().delete()  # start from the lexicon alone, whatever was trained here
        train, held = evaluation.split(evaluation.descriptions())
        self.say(
            f"Category suggestion ({len(train) + len(held)} labelled descriptions, CONFIDENT = "
            f"{suggest.CONFIDENT}; lexicon: {created} keywords loaded now)"
        )
        self.say("1. Lexicon only (a fresh install):")
        self._categories("lexicon", train, held, show_misses)

        if population:
            with transaction.atomic():
                started = time.monotonic()
                call_command("generate_cases", cases=population, days=120, seed=21, stdout=_Quiet())
                model = training.train()
                took = time.monotonic() - started
                descriptions, _labels = training.training_set()
                if model is None:
                    self.say(
                        f"2. A generated population ({population} cases) trains nothing: its closed cases "
                        f"have {len(descriptions)} distinct descriptions (fixed sentences), fewer than "
                        f"{training.MIN_CASES}; the answer stays the lexicon's, as in 1."
                    )
                else:
                    self.say(
                        f"2. After training on a generated population ({population} cases, "
                        f"{model.trained_on} distinct closed descriptions; {took:.1f} s):"
                    )
                    self._categories("population", train, held, False)
                transaction.set_rollback(True)

        started = time.monotonic()
        evaluation.write_closed_cases(train)
        model = training.train()
        self.say(
            f"3. After training on the training part written as closed cases ({model.trained_on} cases, "
            f"{time.monotonic() - started:.1f} s):"
        )
        self._categories("trained", train, held, show_misses)

        now = timezone.now()
        pairs = evaluation.pairs()
        cases = evaluation.write_open_cases(pairs, now=now)
        p_train, p_held = evaluation.split(pairs)
        self.say(
            f"Duplicates ({sum(p['duplicate'] for p in pairs)} pairs, "
            f"{sum(not p['duplicate'] for p in pairs)} near-misses; {len(cases)} open cases loaded; "
            f"LIKELY = {matching.LIKELY}):"
        )
        errors: list = []
        self.say(f"  held-out ({len(p_held)}): {evaluation.duplicate_score(p_held, cases, now=now).line()}")
        self.say(
            f"  training ({len(p_train)}): "
            f"{evaluation.duplicate_score(p_train, cases, now=now, errors=errors).line()}"
        )
        if show_misses:
            for pair, found in errors:
                got = ", ".join(f"{m.case.description} {m.score} {m.reasons}" for m in found) or "-"
                self.say(f"    wrong {pair['id']} {pair['kind']} {pair['new']['text']} → {got}")
        started = time.monotonic()
        for pair in pairs:
            matching.likely_duplicates(
                description=pair["new"]["text"], community=pair["new"]["community"], now=now
            )
        per_call = (time.monotonic() - started) / len(pairs) * 1000
        self.say(f"  likely_duplicates: {per_call:.1f} ms per call over these {len(cases)} open cases")


class _Quiet:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
