"""manage.py backup <directory or file.tar>: the database and its media files in one archive."""

from django.core.management.base import BaseCommand, CommandError

from operations import backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup / pg_dump) and every media file it refers to into "
        "one .tar with a manifest. Safe while the platform is running. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "destination", help="a directory (a time-stamped file is made in it) or a .tar path"
        )
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, destination, database, **options):
        try:
            path, manifest = backup.create(destination, alias=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {path}: {manifest['vendor']}, {counts['cases']} cases, "
            f"{counts['events']} events, {len(manifest['media'])} media files."
        )
        if manifest["missing_media"]:
            self.stderr.write(
                f"WARNING: {len(manifest['missing_media'])} file(s) referenced by attachments were not in "
                f"storage and are not in the backup: {', '.join(manifest['missing_media'][:10])}"
            )
