"""For tests and stories that drive the API: a client holding a fresh token of a user, asking
for English (the assertions read the English messages)."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from pumpurs.api.tokens import token_create


def api_client(user: Any) -> APIClient:
    _token, key = token_create(actor=None, user=user, name="test integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client
