"""An integration's view of the persona world: an API client holding a persona's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from pumpurs.api.tokens import OPERATOR, token_create


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """``api(user)``: a client that sends a fresh token of ``user`` and asks for English."""

    def client_for(user: Any) -> APIClient:
        _token, key = token_create(actor=OPERATOR, user=user, name="test integration")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
        return client

    return client_for
