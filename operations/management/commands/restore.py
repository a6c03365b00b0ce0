"""manage.py restore <archive.tar>: put a backup back, checked first, migrated after."""

import dj_database_url
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations import backup

TARGET_ALIAS = "restore_target"


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: checks every checksum, refuses a non-empty "
        "database unless --force, restores the media files and the database, then migrates if the "
        "backup is older than the code. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar written by manage.py backup")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that is not empty, and differing media"
        )
        parser.add_argument(
            "--to",
            metavar="DATABASE_URL",
            help="restore into this database instead of the configured one (e.g. to check a backup)",
        )
        parser.add_argument("--no-media", action="store_true", help="restore the database only")

    def handle(self, *args, archive, force, to, no_media, **options):
        alias = "default"
        if to:
            alias = TARGET_ALIAS
            # configure_settings() fills in Django's defaults; it insists on a "default" entry.
            configured = connections.configure_settings({"default": dj_database_url.parse(to)})
            connections.settings[alias] = configured["default"]
        try:
            summary = backup.restore(archive, alias=alias, force=force, media=not no_media)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = summary["manifest"]
        counts = manifest["counts"]
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: {counts['cases']} cases, "
            f"{counts['events']} events; {summary['media_written']} of {summary['media_total']} "
            "media files written (the others were already there, identical)."
        )
        if summary["needs_migrate"]:
            self.stdout.write("The backup is older than the code: migrating.")
            call_command(
                "migrate", database=alias, interactive=False, verbosity=max(0, options["verbosity"] - 1)
            )
