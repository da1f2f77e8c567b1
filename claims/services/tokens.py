"""API clients and their tokens. Keys are shown once; only their hash is kept."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from claims.models import ApiClient, ApiToken

KEY_PREFIX = "fdk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_issue(
    *, user, scopes: list[str], client_name: str | None = None, label: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``'s API client (created if needed). Returns the token and its key."""
    valid = set(ApiToken.Scope.values)
    unknown = set(scopes) - valid
    if unknown or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {sorted(valid)}; got {sorted(scopes)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        client, _ = ApiClient.objects.get_or_create(user=user, defaults={"name": client_name or user.get_username()})
        token = ApiToken.objects.create(
            client=client, label=label, prefix=key[:12], key_hash=hash_key(key), scopes=sorted(set(scopes)), expires_at=expires_at
        )
    return token, key


def service_user_get_or_create(name: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=name, defaults={"is_active": True})
    return user


def tokens_revoke(*, token_ids, now=None) -> int:
    """Revoke tokens now; already revoked ones keep their first revocation time. Returns how many changed."""
    from django.utils import timezone

    return ApiToken.objects.filter(pk__in=list(token_ids), revoked_at__isnull=True).update(revoked_at=now or timezone.now())
