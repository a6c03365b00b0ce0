"""SMS gateways as small plug-ins chosen in settings (SMS_BACKEND); e-mail goes through Django's.

A backend has `send(message)`; it returns normally when the gateway accepted the message and raises
SendError otherwise: `permanent=True` when retrying cannot help (a number the gateway refuses).
"""

from django.conf import settings
from django.utils.module_loading import import_string

ALIASES = {
    "console": "notify.backends.console.ConsoleBackend",
    "http": "notify.backends.http.HttpBackend",
}


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def sms_backend():
    path = ALIASES.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    return import_string(path)()
