"""Tokens: revoked in bulk from the admin, issued with scopes and expiry by issue_token."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import ApiToken
from claims.services.tokens import token_issue

pytestmark = pytest.mark.django_db


def test_the_admin_revoke_action_stops_a_token_at_once(client, make_user, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="pw-root")
    token, key = token_issue(user=make_user("cms"), scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/claims/").status_code == 200
    client.force_login(admin_user)
    response = client.post("/admin/claims/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert response.status_code == 200 and b"1 token(s) revoked" in response.content
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = api.get("/api/v1/claims/")
    assert refused.status_code == 401 and "revoked" in refused.json()["errors"][0]["message"]


def test_issue_token_sets_scopes_and_expiry(capsys):
    call_command("issue_token", "--user", "partner", "--create-user", "--scopes", "read,export", "--expires-days", "7")
    token = ApiToken.objects.get(client__user__username="partner")
    assert token.scopes == ["export", "read"]
    assert 6.9 * 86400 < (token.expires_at - timezone.now()).total_seconds() <= 7 * 86400
    assert "fdk_" in capsys.readouterr().out
