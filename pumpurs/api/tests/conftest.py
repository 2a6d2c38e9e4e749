"""An integration's view of the persona world: an API client holding a persona's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from pumpurs.api.testing import api_client


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """``api(user)``: a client that sends a fresh token of ``user`` and asks for English."""
    return api_client
