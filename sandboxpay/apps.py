from django.apps import AppConfig


class SandboxpayConfig(AppConfig):
    name = "sandboxpay"
    verbose_name = "Sandbox payment provider"
