"""The office's two menus, as the guide organises them: Admin (the portal) and Utility Admin.

Each entry: its label, the URL name it opens, and the other URL names under it (so the entry is
marked as the current page there too). A screen adds its own line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    also: tuple[str, ...] = ()

    def is_current(self, current: str | None) -> bool:
        return current == self.url_name or current in self.also


@dataclass(frozen=True)
class Section:
    label: str
    entries: tuple[Entry, ...]


MENU: tuple[Section, ...] = (
    Section(_("Admin"), (
        Entry(_("Overview"), "overview"),
        Entry(_("Pending Payments"), "pending"),
        Entry(_("Completed Payments"), "payments", ("payment_detail", "post_late", "refund_late")),
        Entry(_("General"), "portal_general"),
        Entry(_("Theming"), "portal_theme", ("portal_theme_reset", "portal_theme_photo", "portal_theme_photo_remove",
                                            "portal_theme_logo", "portal_theme_logo_remove")),
        Entry(_("Payment Providers"), "payment_providers", ("utility_account_save", "utility_account_remove")),
        Entry(_("Payment"), "payment_settings", ("fee_preview",)),
        Entry(_("Deposit Reconciliation"), "deposits", ("deposits_export",)),
        Entry(_("COWS"), "cows_settings", ("cows_connection", "cows_test", "cows_alerts")),
        Entry(_("Email"), "emails"),
        Entry(_("Create Communications"), "campaigns", ("campaign_new", "campaign_edit", "campaign_send",
                                                        "campaign_detail", "campaign_cancel")),
        Entry(_("Email Events"), "email_events", ("email_event_edit",)),
        Entry(_("Staff"), "staff", ("staff_invite", "staff_remove")),
        Entry(_("Email log"), "email_log", ("email_message",)),
        Entry(_("Audit log"), "audit"),
    )),
    Section(_("Utility Admin"), (
        Entry(_("Scheduled Payments"), "autopay", ("autopay_settings",)),
        Entry(_("Customer AutoPay"), "autopay_customers", ("autopay_enroll", "autopay_unenroll")),
        Entry(_("Landlords"), "landlords", ("landlord_link", "landlord_unlink")),
        Entry(_("Portal Users"), "portal_users", ("portal_user_unlink", "view_as")),
        Entry(_("Portal members"), "portal_members", ("portal_members_export",)),
        Entry(_("Failed link attempts"), "link_attempts", ("link_for_them",)),
        Entry(_("Home Screen Message"), "utility_general"),
        Entry(_("Email"), "utility_emails"),
        Entry(_("Billing Emails"), "billing_emails"),
        Entry(_("Email Bills"), "bill_emails", ("bill_emails_send_again", "bill_emails_export")),
        Entry(_("Payment"), "utility_payment"),
        Entry(_("Communications"), "communications", ("communication_edit", "communication_delete")),
    )),
)
