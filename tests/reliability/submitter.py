"""A load for the backup test: submits cases (a photo on every third, accepting every fourth) until
a stop file appears, and journals each one after its transaction committed, one JSON line each.

Run as a separate process with the environment of the database under test:
    python tests/reliability/submitter.py <journal.jsonl> <stop-file>
"""

import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

import django

django.setup()

from django.core.files.storage import default_storage  # noqa: E402

from cases import services  # noqa: E402
from tests.support.data import jpeg, setup_reference, submit  # noqa: E402


def main(journal_path: str, stop_path: str) -> None:
    users = setup_reference()
    stop = Path(stop_path)
    with open(journal_path, "a", encoding="utf-8") as journal:
        i = 0
        while not stop.exists():
            i += 1
            photos = [jpeg(f"p{i}.jpg", colour=(i % 256, (i * 7) % 256, 90))] if i % 3 == 0 else []
            case = submit(description=f"负载测试诉求第{i}号", phone=f"1380000{i:04d}", photo_files=photos)
            actions = ["submit"]
            if i % 4 == 0:
                services.accept(case, by=users["intake"])
                actions.append("accept")
            files = {}
            for attachment in case.attachments.all():
                for name in (attachment.file.name, attachment.thumbnail.name):
                    with default_storage.open(name, "rb") as fh:
                        files[name] = hashlib.sha256(fh.read()).hexdigest()
            line = {"number": case.number, "description": case.description, "phone": case.phone}
            journal.write(json.dumps({**line, "actions": actions, "files": files}, ensure_ascii=False) + "\n")
            journal.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
