from django import template

from billing.formatting import money as format_money

register = template.Library()


@register.filter
def money(value):
    """$1,234.56; a credit as ($31.47), as on the office's statements."""
    return format_money(value)
