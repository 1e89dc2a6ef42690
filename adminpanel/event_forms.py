"""Admin → Email Events: the form of one event (time of day, days before or after the due date, on or off)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communications.events.services import MAX_DAYS

DAYS_MESSAGE = _("Enter a whole number of days from 0 to %(max)s.") % {"max": MAX_DAYS}


class EmailEventForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send this email"), required=False)
    send_at = forms.TimeField(
        label=_("Time of day"), input_formats=["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p"],
        help_text=_("In the city's time zone, such as 06:00 for 6 in the morning."),
        widget=forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
        error_messages={"required": _("Enter the time of day, such as 06:00."),
                        "invalid": _("Enter a time of day between 00:00 and 23:59, such as 06:00.")})
    days = forms.IntegerField(
        label=_("Days"), min_value=0, max_value=MAX_DAYS, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": DAYS_MESSAGE, "invalid": DAYS_MESSAGE, "min_value": DAYS_MESSAGE,
                        "max_value": DAYS_MESSAGE})

    def __init__(self, *args, days_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if days_label:
            self.fields["days"].label = days_label
