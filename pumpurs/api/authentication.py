"""How the API knows who is calling: an API token in ``Authorization: Bearer <key>`` (or the
older ``Token <key>`` spelling), or the browser's session (with DRF's CSRF check)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from pumpurs.api.models import ApiToken
from pumpurs.api.tokens import token_for_key

SCHEMES = {b"bearer", b"token"}


class ApiTokenAuthentication(BaseAuthentication):
    """The token's user, with exactly that user's roles and scope."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None  # not ours: let the session have a go
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("The token is not valid.")) from exc
        token = token_for_key(key)
        if token is None:
            # Unknown, revoked and expired tokens get the same answer: nothing to learn by probing.
            raise AuthenticationFailed(_("The token is not valid, has expired or was revoked."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Bearer realm="pumpurs"'


# drf-spectacular's registration hook (__init_subclass__) carries no type annotations.
class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the OpenAPI document describes the token (drf-spectacular finds it by class path)."""

    target_class = "pumpurs.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "pumpurs api_token create USERNAME --name NAME"}
