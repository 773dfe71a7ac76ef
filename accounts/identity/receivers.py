"""Receivers for allauth's password signals. They only call services."""

from allauth.account import signals as allauth_signals

from accounts.identity import services


def on_password_changed(sender, request, user, **kwargs):
    services.api_token_revoke(user=user, request=request, reason="password_changed")


def on_password_reset(sender, request, user, **kwargs):
    services.api_token_revoke(user=user, request=request, reason="password_reset")


def connect():
    """Called from AccountsConfig.ready()."""
    allauth_signals.password_changed.connect(on_password_changed, dispatch_uid="identity-password-changed")
    allauth_signals.password_set.connect(on_password_changed, dispatch_uid="identity-password-set")
    allauth_signals.password_reset.connect(on_password_reset, dispatch_uid="identity-password-reset")
