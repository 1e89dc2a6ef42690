from django.urls import path

from . import autopay_views, communications_views, email_views, payment_views, portal_settings_views, views

from . import cows_views, provider_views

from . import landlord_views, people_views
from . import member_views
from . import utility_views
from . import audit_views, email_log_views, staff_views
from . import deposit_views
from . import campaign_views
from . import bill_email_views
from . import event_views

app_name = "adminpanel"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("settings/staff/", staff_views.staff_list, name="staff"),
    path("settings/staff/invite/", staff_views.invite, name="staff_invite"),
    path("settings/staff/invitations/<int:invitation_id>/cancel/", staff_views.cancel_invitation,
         name="staff_invite_cancel"),
    path("settings/staff/<int:membership_id>/remove/", staff_views.remove, name="staff_remove"),
    # The invitation's link: for the invited person, who is not an office admin yet.
    path("settings/staff/join/<str:token>/", staff_views.accept, name="staff_accept"),
    path("settings/audit/", audit_views.audit_log, name="audit"),
    path("email-log/", email_log_views.email_log, name="email_log"),
    path("email-log/export.xlsx", email_log_views.email_log_export, name="email_log_export"),
    path("email-log/<int:email_id>/", email_log_views.email_message, name="email_message"),
    path("settings/audit/export.xlsx", audit_views.audit_export, name="audit_export"),
    path("payments/pending/", views.pending, name="pending"),
    path("payments/pending/retry/", views.retry_pending, name="retry_pending"),
    path("payments/", views.payments, name="payments"),
    path("payments/export.xlsx", views.payments_export, name="payments_export"),
    path("payments/deposits/", deposit_views.deposits, name="deposits"),
    path("payments/deposits/export.xlsx", deposit_views.deposits_export, name="deposits_export"),
    path("settings/payments/", views.payment_settings, name="payment_settings"),
    path("settings/general/", portal_settings_views.general, name="portal_general"),
    path("settings/theme/", portal_settings_views.theme, name="portal_theme"),
    path("settings/theme/standard-blue/", portal_settings_views.theme_reset, name="portal_theme_reset"),
    path("settings/theme/photo/", portal_settings_views.theme_photo, name="portal_theme_photo"),
    path("settings/theme/photo/remove/", portal_settings_views.theme_photo_remove, name="portal_theme_photo_remove"),
    path("settings/theme/logo/", portal_settings_views.theme_logo, name="portal_theme_logo"),
    path("settings/theme/logo/remove/", portal_settings_views.theme_logo_remove, name="portal_theme_logo_remove"),
    path("settings/payments/fee-preview/", views.fee_preview, name="fee_preview"),
    path("settings/email-events/", event_views.email_events, name="email_events"),
    path("settings/email-events/<slug:kind>/", event_views.email_event_edit, name="email_event_edit"),
    path("settings/emails/", email_views.emails, name="emails"),
    path("settings/emails/<slug:kind>/", email_views.email_edit, name="email_edit"),
    path("utility/emails/", email_views.utility_emails, name="utility_emails"),
    path("utility/billing-emails/", email_views.billing_emails, name="billing_emails"),
    path("utility/email-bills/", bill_email_views.bill_emails, name="bill_emails"),
    path("utility/email-bills/export.xlsx", bill_email_views.bill_emails_export, name="bill_emails_export"),
    path("utility/email-bills/<int:run_id>/send-again/", bill_email_views.send_again,
         name="bill_emails_send_again"),
    path("settings/providers/", provider_views.payment_providers, name="payment_providers"),
    path("settings/providers/utility/", provider_views.utility_account_save, name="utility_account_save"),
    path("settings/providers/utility/remove/", provider_views.utility_account_remove, name="utility_account_remove"),
    path("settings/cows/", cows_views.cows_settings, name="cows_settings"),
    path("settings/cows/connection/", cows_views.cows_connection, name="cows_connection"),
    path("settings/cows/test/", cows_views.cows_test, name="cows_test"),
    path("settings/cows/alerts/", cows_views.cows_alerts, name="cows_alerts"),
    path("utility/payment/", provider_views.utility_payment, name="utility_payment"),
    path("autopay/", autopay_views.scheduled, name="autopay"),
    path("autopay/schedule/", autopay_views.schedule, name="autopay_schedule"),
    path("autopay/export.xlsx", autopay_views.scheduled_export, name="autopay_export"),
    path("autopay/settings/", autopay_views.save_settings, name="autopay_settings"),
    path("autopay/customers/", autopay_views.customers, name="autopay_customers"),
    path("autopay/customers/enroll/", autopay_views.enroll, name="autopay_enroll"),
    path("autopay/customers/<int:enrollment_id>/unenroll/", autopay_views.unenroll, name="autopay_unenroll"),
    path("utility/landlords/", landlord_views.landlords_page, name="landlords"),
    path("utility/landlords/link/", landlord_views.landlord_link, name="landlord_link"),
    path("utility/landlords/<int:link_id>/remove/", landlord_views.landlord_unlink, name="landlord_unlink"),
    path("utility/members/", member_views.portal_members, name="portal_members"),
    path("utility/members/export.xlsx", member_views.portal_members_export, name="portal_members_export"),
    path("utility/portal-users/", people_views.portal_users, name="portal_users"),
    path("utility/portal-users/export.xlsx", people_views.portal_users_export, name="portal_users_export"),
    path("utility/portal-users/<int:link_id>/unlink/", people_views.portal_user_unlink, name="portal_user_unlink"),
    path("utility/portal-users/<int:user_id>/view-as/", people_views.start_view_as, name="view_as"),
    path("utility/view-as/stop/", people_views.stop_view_as, name="view_as_stop"),
    path("utility/link-attempts/", people_views.link_attempts, name="link_attempts"),
    path("utility/link-attempts/<int:attempt_id>/link/", people_views.link_for_them, name="link_for_them"),
    path("utility/general/", utility_views.general, name="utility_general"),
    path("utility/communications/", communications_views.communications, name="communications"),
    path("utility/communications/<int:communication_id>/edit/", communications_views.edit, name="communication_edit"),
    path("utility/communications/<int:communication_id>/delete/", communications_views.delete,
         name="communication_delete"),
    path("utility/communications/<int:communication_id>/pdf/", communications_views.pdf, name="communication_pdf"),
    path("utility/communications/<int:communication_id>/email/", communications_views.email_draft,
         name="communication_email_draft"),
    path("campaigns/", campaign_views.campaigns, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/edit/", campaign_views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/send/", campaign_views.campaign_send, name="campaign_send"),
    path("campaigns/<int:campaign_id>/cancel/", campaign_views.campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:campaign_id>/delete/", campaign_views.campaign_delete, name="campaign_delete"),
    # After the fixed payments/... paths, so "pending" is never taken for a reference.
    path("payments/<slug:reference>/", payment_views.payment_detail, name="payment_detail"),
    path("payments/<slug:reference>/post-late/", payment_views.post_late, name="post_late"),
    path("payments/<slug:reference>/refund-late/", payment_views.refund_late, name="refund_late"),
]
