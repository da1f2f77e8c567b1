"""Bearer-token authentication for API clients (``Authorization: Bearer fdk_...``)."""
from __future__ import annotations

import copy
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from claims import selectors
from claims.api import caching
from claims.models import ApiClient, ApiToken
from claims.services.tokens import hash_key


def _token_for(key_hash: str, request=None) -> ApiToken | None:
    """selectors.api_token_for_key_hash, remembered until a token, client or user row changes (claims/api/caching.py).

    The cache keeps field values, not instances: each request gets its own model
    instances, so nothing one request sets on its user is seen by another.
    Unknown keys are not remembered.
    """
    generations = caching.generations_for(request) if request is not None else None
    if generations is None:
        return selectors.api_token_for_key_hash(key_hash)

    def build():
        token = selectors.api_token_for_key_hash(key_hash)
        return None if token is None else tuple(_values(obj) for obj in (token, token.client, token.client.user))

    values = caching.tokens.get_or_build(key_hash, generations[caching.API_TOKENS], build)
    if values is None:
        return None
    token_values, client_values, user_values = values
    token = _instance(ApiToken, token_values)
    token.client = _instance(ApiClient, client_values)
    token.client.user = _instance(get_user_model(), user_values)
    return token


def _values(obj) -> dict:
    # Only loaded fields (the client's created_at stays deferred).
    loaded = obj.__dict__
    return {f.attname: loaded[f.attname] for f in obj._meta.concrete_fields if f.attname in loaded}


def _instance(model, values: dict):
    # Lists and dicts (scopes) are copied so no request changes another's; the rest is immutable.
    fresh = [copy.copy(v) if isinstance(v, (list, dict)) else v for v in values.values()]
    return model.from_db(connection.alias, list(values), fresh)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("Bearer", "Token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: expected 'Bearer <token>'.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = _token_for(hash_key(key), request)
        now = timezone.now()
        if token is None or not token.client.is_active or not token.client.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token was revoked.")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This token has expired.")
        # Write last_used_at at most once a minute, not on every request.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.client.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
