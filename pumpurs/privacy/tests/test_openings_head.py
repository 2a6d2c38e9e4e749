"""The break-the-glass review pages share one table head (``privacy/includes/openings_head.html``):
both render byte for byte as they did when each page wrote its own head, kept below as the reference.
A deliberate change of either page changes its reference here too."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pumpurs.people.models import EmergencyAccess
from pumpurs.privacy.tests.test_emergency_access import open_for
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

EMERGENCY_ACCESS_LIST = """{% extends "base.html" %}
{% load i18n %}
{% block title %}{% translate "Emergency accesses" %}{% endblock %}
{% block content %}
<h1>{% translate "Emergency accesses" %}</h1>
<p class="note">{% translate "Every time someone whose role does not read pupils' files in its daily work opened one pupil's file (risk record and support case) in an emergency (break-the-glass), with the reason they gave, newest first." %}</p>
{% if page.object_list %}
<table class="data-table data-table--compact">
  <caption>{% translate "Emergency accesses" %}</caption>
  <thead>
    <tr>
      <th scope="col">{% translate "Opened" %}</th>
      <th scope="col">{% translate "Person" %}</th>
      <th scope="col">{% translate "Pupil" %}</th>
      <th scope="col">{% translate "Reason" %}</th>
      <th scope="col">{% translate "Until" %}</th>
    </tr>
  </thead>
  <tbody>
    {% for a in page.object_list %}
    <tr>
      <th scope="row"><time datetime="{{ a.opened_at|date:'c' }}">{{ a.opened_at|date:"SHORT_DATETIME_FORMAT" }}</time></th>
      <td>{{ a.user.get_full_name|default:a.user.username }} <span class="hint">{{ a.user.username }}</span></td>
      <td><a href="{% url 'audit_events' %}?pupil={{ a.pupil.public_id }}">{{ a.pupil.first_name }} {{ a.pupil.last_name }}</a></td>
      <td>{{ a.reason }}</td>
      <td>{{ a.until|date:"SHORT_DATETIME_FORMAT" }}{% if a.until > now %} <span class="hint">({% translate "still open" %})</span>{% endif %}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
{% include "includes/pager.html" with page=page %}
{% else %}
<p role="status">{% translate "Nobody has opened a pupil's file in an emergency." %}</p>
{% endif %}
{% endblock %}
"""

DPO_OPENINGS = """{% extends "base.html" %}
{% load i18n %}
{% block title %}{% translate "Data protection officer's emergency accesses" %}{% endblock %}
{% block content %}
<h1>{% translate "Data protection officer's emergency accesses" %}</h1>
<p class="note">{% translate "The data protection officer reviews everyone else's emergency accesses; hers are reviewed here, by someone else. Your own openings are not listed: nobody reviews their own." %}</p>
{% if rows %}
<table class="data-table data-table--compact">
  <caption>{% translate "Data protection officer's emergency accesses" %}</caption>
  <thead>
    <tr>
      <th scope="col">{% translate "Opened" %}</th>
      <th scope="col">{% translate "Person" %}</th>
      <th scope="col">{% translate "Pupil" %}</th>
      <th scope="col">{% translate "Reason" %}</th>
      <th scope="col">{% translate "Until" %}</th>
      <th scope="col">{% translate "Second review" %}</th>
    </tr>
  </thead>
  <tbody>
    {% for a, token in rows %}
    <tr>
      <th scope="row"><time datetime="{{ a.opened_at|date:'c' }}">{{ a.opened_at|date:"SHORT_DATETIME_FORMAT" }}</time></th>
      <td>{{ a.user.get_full_name|default:a.user.username }} <span class="hint">{{ a.user.username }}</span></td>
      <td>{{ a.pupil.first_name }} {{ a.pupil.last_name }}</td>
      <td>{{ a.reason }}</td>
      <td>{{ a.until|date:"SHORT_DATETIME_FORMAT" }}{% if a.until > now %} <span class="hint">({% translate "still open" %})</span>{% endif %}</td>
      <td>
        {% if a.review %}
          {% blocktranslate with who=a.review.reviewer.get_full_name|default:a.review.reviewer.username when=a.review.reviewed_at|date:"SHORT_DATETIME_FORMAT" %}Reviewed by {{ who }}, {{ when }}{% endblocktranslate %}
          {% if a.review.note %}<br><span class="hint">{{ a.review.note }}</span>{% endif %}
        {% else %}
        <form method="post">
          {% csrf_token %}
          <input type="hidden" name="opening" value="{{ token }}">
          <label for="note-{{ forloop.counter }}">{% translate "Note (optional)" %}</label>
          <textarea id="note-{{ forloop.counter }}" name="note" rows="2"></textarea>
          <button type="submit">{% translate "Mark as reviewed" %}</button>
        </form>
        {% endif %}
      </td>
    </tr>
    {% endfor %}
  </tbody>
</table>
{% include "includes/pager.html" with page=page %}
{% else %}
<p role="status">{% translate "The data protection officer has not opened a pupil's file in an emergency." %}</p>
{% endif %}
{% endblock %}
"""


def rendered_as_before(page, reference: str) -> str:
    """``reference`` rendered with the very context and request the page was rendered with (its CSRF
    token included, already drawn), in the page's language."""
    context = page.context[0].flatten()
    with translation.override(context["LANGUAGE_CODE"]):
        return engines["django"].from_string(reference).render(context, page.wsgi_request)


@pytest.mark.parametrize("language", ["lv", "en"])
def test_both_pages_render_byte_for_byte_as_before(world: World, language: str) -> None:
    assert open_for(world, "dpo", world.pupil_lizuma).status_code == 302
    assert open_for(world, "coordinator_gulbene", world.pupil_tirzas).status_code == 302
    assert EmergencyAccess.objects.count() == 2
    for persona, url, reference in (
        (world.dpo, reverse("emergency_accesses"), EMERGENCY_ACCESS_LIST),
        (world.national, reverse("dpo_openings"), DPO_OPENINGS),
    ):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(persona)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert len(re.findall("<thead>", html)) == 1
        assert html == rendered_as_before(page, reference)
