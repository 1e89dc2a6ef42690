from django.apps import AppConfig


class AdminpanelConfig(AppConfig):
    name = "adminpanel"

    def ready(self) -> None:
        from customers import view_as

        from .audit import record_view_as_ended

        # Connected at start-up, so an end noticed by middleware (before any office URL loads) is audited too.
        view_as.viewing_ended.connect(record_view_as_ended, dispatch_uid="adminpanel-audit-view-as-ended")
