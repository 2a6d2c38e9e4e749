"""``{% page_query number %}``: the address of another page of a paged list, every other GET
parameter of the current address (filters, order) kept."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], number: int) -> str:
    query: QueryDict = context["request"].GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()
