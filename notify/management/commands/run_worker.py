"""The worker process: sends the outbox and runs the periodic jobs. `make run` starts it beside the
web server; production runs it as its own service (deploy/minsheng-worker.service)."""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from notify import inbound, jobs, sender, wake

logger = logging.getLogger("minsheng.notify")


class Command(BaseCommand):
    help = "Send queued SMS and e-mail and run reminders, escalation and auto-close (runs until stopped)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round of everything, then exit")
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between outbox checks")
        parser.add_argument("--jobs-every", type=float, default=60.0, help="seconds between periodic jobs")
        parser.add_argument("--close-every", type=float, default=3600.0, help="seconds between auto-closes")

    def handle(self, *args, once=False, poll=2.0, jobs_every=60.0, close_every=3600.0, **options):
        self._stop = False
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        last_jobs = last_close = float("-inf")
        if not once:
            self.stdout.write("Minsheng worker: sending notifications (Ctrl-C to stop).")
            self.stdout.flush()
        while not self._stop:
            if not connection.in_atomic_block:  # (tests run the command inside a transaction)
                close_old_connections()
            try:
                # Received SMS first: their answers then go out in the same round. With the console
                # backend (make run) each received text is shown beside the sent ones.
                console = self.stdout if settings.SMS_BACKEND == "console" else None
                sent = inbound.process_due(stream=console) + sender.send_due()
                clock = time.monotonic()
                if clock - last_jobs >= jobs_every:
                    close = clock - last_close >= close_every
                    done = jobs.run_periodic(close=close)
                    last_jobs = clock
                    if close:
                        last_close = clock
                    if any(done.values()):
                        logger.info("periodic jobs: %s", done)
            except Exception:
                # The database restarting or a bug in one job must not stop notifications for good.
                logger.exception("worker round failed; retrying")
                sent = 0
            if once:
                break
            if sent == 0:
                self._sleep(poll)

    def _request_stop(self, signum, frame):
        self._stop = True

    def _sleep(self, seconds: float) -> None:
        # With Redis, a newly queued message ends the wait at once (notify.wake); else a plain sleep.
        wake.wait(seconds, stop=lambda: self._stop)
