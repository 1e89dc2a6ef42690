"""Text messages: a provider interface (backends.py), rows per text (models.py), queuing and delivery (services.py)."""
