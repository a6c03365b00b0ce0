from django.db import migrations, models

import api.models


class Migration(migrations.Migration):
    """Tokens expire and die with a password change. Tokens issued before this have no session
    hash, so they stop working: their users sign in again (POST /api/v1/auth/token)."""

    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(db_index=True, default=api.models.expiry, verbose_name="到期时间"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="auth_hash",
            field=models.CharField(default="", editable=False, max_length=128),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="签发时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近使用"),
        ),
    ]
