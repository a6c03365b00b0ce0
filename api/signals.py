"""Tokens die with the account's role: a change of its groups, or its deactivation, deletes them.

(A password change needs no signal: a token keeps the session hash it was issued under, and
`ApiToken.is_valid` compares it with the user's current one.)
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from .models import ApiToken

User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="api.tokens_die_with_role_change")
def tokens_die_with_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        ApiToken.objects.filter(user=instance).delete()
    elif pk_set:
        ApiToken.objects.filter(user_id__in=pk_set).delete()
    else:  # group.user_set.clear(): every member's tokens
        ApiToken.objects.filter(user__groups=instance).delete()


@receiver(post_save, sender=User, dispatch_uid="api.tokens_die_with_deactivation")
def tokens_die_with_deactivation(sender, instance, **kwargs):
    if not instance.is_active:
        ApiToken.objects.filter(user=instance).delete()
