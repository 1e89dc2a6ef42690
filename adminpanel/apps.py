from django.apps import AppConfig


class AdminpanelConfig(AppConfig):
    name = "adminpanel"

    def ready(self) -> None:
        from functools import partial

        from allauth.mfa import signals as mfa_signals
        from customers import view_as

        from .audit import record_authenticator_change, record_recovery_code_used, record_view_as_ended

        # Connected at start-up, so an end noticed by middleware (before any office URL loads) is audited too.
        view_as.viewing_ended.connect(record_view_as_ended, dispatch_uid="adminpanel-audit-view-as-ended")
        for change in ("added", "removed", "reset"):
            getattr(mfa_signals, f"authenticator_{change}").connect(
                partial(record_authenticator_change, change=change), weak=False, dispatch_uid=f"adminpanel-mfa-{change}")
        mfa_signals.authenticator_used.connect(record_recovery_code_used, dispatch_uid="adminpanel-mfa-recovery-used")
