"""``manage.py issue_token --user NAME [--scopes ingest,read]``: print a new API token."""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claims.models import ApiToken
from claims.services.tokens import token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user's API client and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username the client acts as (created if missing)")
        parser.add_argument("--scopes", default="ingest,read", help=f"comma-separated, from: {', '.join(ApiToken.Scope.values)}")
        parser.add_argument("--client", help="client name (default: the username)")
        parser.add_argument("--label", default="", help="a note to recognise the token by")
        parser.add_argument("--expires-days", type=int, help="expire the token after this many days")
        parser.add_argument("--create-user", action="store_true", help="create the user if it does not exist")

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            if not options["create_user"]:
                raise CommandError(f"No user {options['user']!r}; pass --create-user to create a service user.") from None
            user = User.objects.create_user(username=options["user"])
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        expires = timezone.now() + timedelta(days=options["expires_days"]) if options["expires_days"] else None
        try:
            _, key = token_issue(user=user, scopes=scopes, client_name=options["client"], label=options["label"], expires_at=expires)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)
