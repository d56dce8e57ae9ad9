"""The sign-in form: allauth's, with the portal's own words for its first field.

allauth labels the field "Login" (in Chinese "登录", the page's title) and its placeholder
mixes languages ("用户名或email"); the field asks for a username or an email address.
"""

from __future__ import annotations

from allauth.account.forms import LoginForm
from django.utils.translation import gettext_lazy as _


class SignInForm(LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.label = _("Username or email address")
        field.widget.attrs["placeholder"] = _("e.g. dr.wang or wang@hospital.cn")
