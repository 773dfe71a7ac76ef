"""Receivers for Django's authentication signals (they only call the audit service), and for its
setting_changed signal."""

from django.contrib.auth import signals as auth_signals
from django.core.signals import setting_changed

from portal.services import audit_event_record, notification_stamps_forget


def on_user_logged_in(sender, request, user, **kwargs):
    audit_event_record(actor=user, action="auth.login", target=user, request=request)


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(actor=user, action="auth.logout", target=user, request=request)


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    # Only the identifier that was typed is kept; Django has already masked the password.
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_event_record(
        actor=None,
        actor_label=attempted,
        action="auth.login_failed",
        summary=attempted,
        request=request,
    )


def on_setting_changed(**kwargs):
    # A changed setting (the support phone a notice names, the site address) must not be served
    # from a rendering kept before the change.
    notification_stamps_forget()


def connect():
    auth_signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="portal-audit-login")
    auth_signals.user_logged_out.connect(on_user_logged_out, dispatch_uid="portal-audit-logout")
    auth_signals.user_login_failed.connect(on_user_login_failed, dispatch_uid="portal-audit-login-failed")
    setting_changed.connect(on_setting_changed, dispatch_uid="portal-notice-stamps-forget")
