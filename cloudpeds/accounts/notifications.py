"""Notification kinds of accounts (discovered by the notifications app)."""

from django.utils.translation import gettext_lazy as _

from cloudpeds.notifications.kinds import register

# Sent to the person whose password an administrator set in the admin site. Always emailed:
# if it was not expected, the account may have been taken over, and the inbox is behind the
# password that changed.
register("account.password_set", _("An administrator set your password"), icon="bi-key", always_email=True)
