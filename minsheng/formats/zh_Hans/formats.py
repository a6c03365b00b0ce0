"""Number grouping for 简体中文: "531,786", as in official statistics.

Django's zh_Hans formats have no thousands separator, so `intcomma` and `floatformat:"g"` would
print "531786". Only these two settings are overridden; everything else falls through to Django's.
They apply only where a template asks for grouping (USE_THOUSAND_SEPARATOR stays off, so URLs,
form values and the API are untouched).
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
