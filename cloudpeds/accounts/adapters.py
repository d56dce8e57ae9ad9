from __future__ import annotations

import ipaddress
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from cloudpeds.audit.models import SecurityEvent, client_ip, log_security


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by group administrators; nobody signs up on their own."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # The rate limit refusing a sign-in is a lock-out: the security log records it.
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            username = str(credentials.get("username") or credentials.get("email") or "")
            log_security(request, SecurityEvent.Kind.LOCKED_OUT, username=username)
            raise

    def get_client_ip(self, request: HttpRequest) -> str:
        # The same address as the access log's: behind our reverse proxy it is the entry the
        # proxy appended to X-Forwarded-For (AUDIT_TRUST_X_FORWARDED_FOR), not the proxy's
        # own address, which would put every person of the group behind one rate limit.
        return client_ip(request) or super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The failed sign-in limit counts per account *and* address.

        allauth counts per account only, so five wrong passwords typed by anyone, anywhere,
        would lock the owner out for 15 minutes (with the right password too). Counting per
        address as well keeps a guesser at 5 tries per account from each address, while the
        owner signs in from her own computer. allauth uses this key both to count and to clear
        the count after a password reset.
        """
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{_address_key(self.get_client_ip(request))}"


def _address_key(address: str) -> str:
    """An IPv6 address counts as its /64, as allauth does: one household or phone gets a whole
    /64, and counting each address alone would let it try 5 passwords per address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)
