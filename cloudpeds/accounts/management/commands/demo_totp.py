from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand, CommandError

from cloudpeds.accounts.demo import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo secrets only, never real ones)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        secrets = {account.username: account.totp_secret for account in DEMO_ACCOUNTS if account.totp_secret}
        if username not in secrets:
            raise CommandError(f"{username} is not a demo account with two-factor: {', '.join(secrets)}")
        counters = list(yield_hotp_counters_from_time())
        self.stdout.write(format_hotp_value(hotp_value(secrets[username], counters[len(counters) // 2])))
