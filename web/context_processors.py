from django.conf import settings


def platform(request):
    """Names every page needs."""
    return {"SUBDISTRICT_NAME": settings.MINSHENG_SUBDISTRICT_NAME}
