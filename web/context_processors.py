from django.conf import settings
from django.utils.translation import gettext_noop

# The default sub-district name, marked so makemessages puts it in the catalogue; templates
# translate SUBDISTRICT_NAME with {% translate %} (another name stays as configured).
gettext_noop("夔北街道")


def platform(request):
    """Names every page needs."""
    return {"SUBDISTRICT_NAME": settings.MINSHENG_SUBDISTRICT_NAME}
