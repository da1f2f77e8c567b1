"""Scope checks. A token carries scopes; a logged-in person is judged by group."""
from __future__ import annotations

from rest_framework.permissions import BasePermission

from claims.models import ApiToken

# What a signed-in (session) user may do, by group.
GROUP_SCOPES = {
    "Editors": {"ingest", "read", "review", "export", "admin"},
    "Reviewers": {"read", "review", "export"},
}


def request_has_scope(request, scope: str) -> bool:
    if isinstance(request.auth, ApiToken):
        return request.auth.has_scope(scope)
    user = request.user
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    groups = set(user.groups.values_list("name", flat=True))
    return any(scope in GROUP_SCOPES.get(group, ()) for group in groups)


class HasScope(BasePermission):
    """Use as ``HasScope.of("ingest")``."""

    scope = "read"

    @classmethod
    def of(cls, scope: str):
        return type(f"HasScope_{scope}", (cls,), {"scope": scope})

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request_has_scope(request, self.scope):
            return True
        if isinstance(request.auth, ApiToken):
            self.message = f"This token lacks the '{self.scope}' scope."
        else:
            granting = [group for group, scopes in GROUP_SCOPES.items() if self.scope in scopes]
            self.message = (
                f"Your account needs the '{self.scope}' scope for this; it comes with membership of "
                f"{' or '.join(granting)}."
            )
        return False
