"""``{% submission_key %}``: a fresh one-time key in every create form (issue 17 M2). A builtin
(settings.TEMPLATES), so a form needs no ``{% load %}``: put it next to ``{% csrf_token %}``."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from pumpurs.core.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag
def submission_key() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4().hex)
