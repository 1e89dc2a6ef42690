"""{{ value|date_time }}: a date and time in an office table, its date and its time each kept on one line."""

from django import template
from django.template.defaultfilters import date
from django.utils.html import format_html

register = template.Library()


@register.filter(expects_localtime=True)
def date_time(value, seconds: bool = False):
    """"Dec 6, 2026 12:34 PM" in the city's time, as |date:"M j, Y g:i A" (with seconds if asked); a narrow column
    puts the time under the date instead of breaking either."""
    if not value:
        return ""
    return format_html('<span class="nowrap">{}</span> <span class="nowrap">{}</span>',
                       date(value, "M j, Y"), date(value, "g:i:s A" if seconds else "g:i A"))
