"""What ``OPTIONS`` answers on every endpoint (issue 17, L: it gave 500 on /api/v1/cases/).

DRF's default describes the POST body by instantiating the view's serializer, which our views,
built on the services' own inputs, do not declare. The bodies are described once, in the OpenAPI
schema; ``OPTIONS`` names the endpoint, its methods and formats, and points there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from rest_framework.metadata import BaseMetadata
from rest_framework.request import Request

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.views import APIView


class SchemaPointerMetadata(BaseMetadata):
    def determine_metadata(self, request: Request, view: APIView) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "allowed_methods": sorted(view.allowed_methods),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": reverse("api:schema"),
        }
