from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or None: a dict keyed by a loop variable (the case page's templates per form)."""
    return mapping.get(key) if mapping else None
