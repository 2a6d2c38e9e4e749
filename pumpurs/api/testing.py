"""For tests and stories that drive the API: a client holding a fresh token of a user, asking
for English (the assertions read the English messages)."""

from __future__ import annotations

from rest_framework.test import APIClient

from pumpurs.api.tokens import OPERATOR, token_create
from pumpurs.people.models import User


def api_client(user: User) -> APIClient:
    _token, key = token_create(actor=OPERATOR, user=user, name="test integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client
