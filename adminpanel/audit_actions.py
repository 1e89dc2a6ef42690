"""The audit log's action codes in the office's words ("Email Events: saved"), for the Action filter and the export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Every code passed to audit.record / record_changes (tests/adminpanel/test_audit_actions.py finds them in the code).
ACTION_LABELS = {
    "autopay.invite": _("AutoPay: invitation sent"),
    "autopay.schedule": _("AutoPay: Schedule Payments run"),
    "autopay.unenroll": _("AutoPay: enrollment ended"),
    "bill_emails.send_again": _("Email Bills: failed ones sent again"),
    "campaign.cancel": _("Communications campaign: cancelled"),
    "campaign.delete": _("Communications campaign: draft deleted"),
    "campaign.save": _("Communications campaign: draft saved"),
    "campaign.send": _("Communications campaign: sent"),
    "campaign.test": _("Communications campaign: test email sent"),
    "communication.delete": _("Communications document: deleted"),
    "communication.edit": _("Communications document: changed"),
    "communication.email_draft": _("Communications document: mass email drafted"),
    "communication.post": _("Communications document: posted"),
    "cows.test_connection": _("COWS: connection tested"),
    "email_event.save": _("Email Events: saved"),
    "email_template.reset": _("Email template: reset to the default"),
    "email_template.save": _("Email template: saved"),
    "email_template.test": _("Email template: test email sent"),
    "landlord.link": _("Landlord: portal user linked"),  # a person now sees every account of a landlord or cosigner
    "landlord.unlink": _("Landlord: link removed"),
    "mfa.added": _("Authenticator: set up"),
    "mfa.removed": _("Authenticator: removed"),
    "mfa.reset": _("Authenticator: recovery codes renewed"),
    "mfa.recovery_code_used": _("Authenticator: signed in with a recovery code"),
    "payment.post_late": _("Payment: posted late"),
    "payment.refund_late": _("Payment: refunded late"),
    "payment.retry": _("Pending payments: Retry Now"),
    "portal_user.link_for_them": _("Portal user: account linked for them"),
    "portal_user.unlink": _("Portal user: account unlinked"),
    "settings.autopay": _("AutoPay settings: saved"),
    "settings.cows_alerts": _("COWS: alert recipients saved"),
    "settings.cows_connection": _("COWS: address or key changed"),
    "settings.general": _("General settings: saved"),
    "settings.payment": _("Payment settings: saved"),
    "settings.payment_providers": _("Payment providers: saved"),
    "settings.theme": _("Theming: saved"),
    "settings.utility_account": _("Utility bills account: saved"),
    "settings.utility_account.remove": _("Utility bills account: removed"),
    "settings.utility_home_message": _("Home Screen Message: saved"),
    "settings.utility_payment": _("Payment blocking (UDFs): saved"),
    "staff.accept": _("Staff: invitation accepted"),
    "staff.invite": _("Staff: invited"),
    "staff.invite_cancel": _("Staff: invitation cancelled"),
    "staff.remove": _("Staff: removed"),
    "view_as.start": _("View as customer: started"),
    "view_as.stop": _("View as customer: stopped"),
}


def action_label(code: str) -> str:
    """The action in words, or its code when the portal has no words for it (an older or unknown code)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
