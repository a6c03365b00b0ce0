"""Rate-limit counters kept in the database when there is no Redis (see security.counters)."""

from django.db import models


class RateCounter(models.Model):
    """One fixed window of one limit for one client address: `hits` so far, until `window_ends`."""

    bucket = models.CharField(max_length=200, primary_key=True)
    # Unix seconds: compared with a plain integer in the upsert, the same on SQLite and PostgreSQL.
    window_ends = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits}"
