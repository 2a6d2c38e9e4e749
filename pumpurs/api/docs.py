"""The Swagger UI page, compatible with our CSP (decision 0007): the page loads Swagger UI from
our own static files (drf-spectacular-sidecar) and its start-up script from a second request to
the same URL (``?script``), so it needs neither a CDN nor an inline script or style."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocs(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "PuMPuRS API"
