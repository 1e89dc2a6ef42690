"""Email Events: the office's scheduled reminders (Payment Due, Past Due), fired by beat in each city's time zone."""
