"""Personal API tokens: made, listed, revoked and checked. Only a digest of the secret is stored.

A token is a long random secret (256 bits), so a plain SHA-256 digest is enough to keep it safe at
rest: a slow password hash would only add latency to every API call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from osteofys.web.accounts.models import ApiToken
from osteofys.web.accounts.selectors import profile_of
from osteofys.web.audit.models import Action, Detail, ObjectType
from osteofys.web.audit.services import record_event

SCHEME = "ofy_"
PREFIX_LENGTH = len(SCHEME) + 6
# Writing "last used" on every call would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # shown to the user once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> Issued:
    """A new token for the user, in the user's clinic. The secret is returned once."""
    profile = profile_of(user)
    if profile is None:
        raise Http404
    secret = SCHEME + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        clinic=profile.clinic,
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        digest=digest(secret),
    )
    _event(token, Action.CREATE)
    return Issued(token, secret)


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _event(token, Action.UPDATE, Detail.REVOKED)


@transaction.atomic
def api_tokens_revoke_all(user: User) -> None:
    """Every active token of the user stops working (their password changed)."""
    for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        api_token_revoke(token=token)


def _event(token: ApiToken, action: Action, detail: Detail = Detail.NONE) -> None:
    record_event(
        action,
        clinic_id=token.clinic_id,
        object_type=ObjectType.API_TOKEN,
        object_id=token.pk,
        detail=detail,
    )


def api_token_list(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens: nobody else's, not even an admin's colleagues'."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")


def api_token_get(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    return token


def api_token_user(secret: str) -> User | None:
    """The active user a presented secret belongs to, or None. Marks the token as used.

    None for an unknown or revoked token, an inactive user, a deactivated clinic, or a user no
    longer in the token's clinic.
    """
    if not secret.startswith(SCHEME):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=digest(secret),
            revoked_at__isnull=True,
            user__is_active=True,
            clinic__active=True,
        )
        .first()
    )
    if token is None:
        return None
    user: User = token.user
    profile = profile_of(user)
    if profile is None or profile.clinic_id != token.clinic_id:
        return None
    _mark_used(token)
    return user


def _mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
