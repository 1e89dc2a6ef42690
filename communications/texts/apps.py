from django.apps import AppConfig


class TextsConfig(AppConfig):
    name = "communications.texts"
    label = "texts"
    verbose_name = "Text messages"
