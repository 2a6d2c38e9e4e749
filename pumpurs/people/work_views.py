""" "Mani darbi": the home page of every role and the list of each kind of work (people/work.py).

The views parse, ask the registered kinds for their querysets (scoped by access in each app) and
render; a list that names pupils, and every export, is recorded in the audit trail."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from pumpurs.audit.services import Entry, audit_record_many
from pumpurs.core.export import download
from pumpurs.people import access, selectors, work
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor

PAGE_SIZE = 50


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = selectors.home_url(request.user, today=today)
    summary = work.cached_summary(request.user)
    work.remember_total(request, summary.total)  # the navigation's count, exact here
    if start is None and not summary.counts:
        return render(request, "people/no_role.html")
    rows = [(c, c.age_days(today)) for c in summary.counts]
    context = {"start_url": start, "summary": summary, "rows": rows, "today": today}
    return render(request, "people/my_work.html", context)


class WorkFilterForm(forms.Form):
    school = forms.ChoiceField(label=gettext_lazy("School"), required=False)
    older_than = forms.IntegerField(
        label=gettext_lazy("Waiting at least (days)"), required=False, min_value=0, max_value=3650
    )

    def __init__(self, *args: object, schools: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        school = self.fields["school"]
        assert isinstance(school, forms.ChoiceField)
        school.choices = [("", _("All schools")), *schools]


def _record(request: HttpRequest, action: str, kind: work.WorkKind, rows: list[work.WorkRow]) -> None:
    pupils = sorted({row.pupil_id for row in rows if row.pupil_id is not None})
    if not pupils:
        return
    with transaction.atomic():
        audit_record_many(
            actor=request_actor(request),
            entries=[Entry(action, pupil_id=pupil_id, data={"kind": kind.code}) for pupil_id in pupils],
        )


@require_GET
def work_list(request: HttpRequest, code: str) -> HttpResponse:
    kind = work.kind_for(request.user, code)
    if kind is None:
        raise Http404
    today = timezone.localdate()
    schools = access.institutions_visible_to(request.user, Perm.VIEW_OVERVIEW).order_by("name")
    form = WorkFilterForm(request.GET or None, schools=[(str(s.public_id), s.name) for s in schools])
    items = kind.items(request.user, today)
    if form.is_bound and form.is_valid():
        if form.cleaned_data["school"]:
            school = schools.get(public_id=form.cleaned_data["school"])
            items = kind.in_school(items, school, today)
        if form.cleaned_data["older_than"] is not None:
            items = work.waiting_at_least(items, form.cleaned_data["older_than"], today)
    elif form.is_bound:
        raise Http404
    items = work.ordered(items)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        rows = kind.rows(list(items), today)
        _record(request, "people.work.exported", kind, rows)
        header = [_("Subject"), _("School"), _("What"), _("Waiting since"), _("Days waiting")]
        table = [(r.subject, r.school, r.what, r.since, r.age_days(today)) for r in rows]
        return download(fmt, filename=f"{kind.code}-{today.isoformat()}", header=header, rows=table, title=kind.code)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = kind.rows(list(page.object_list), today)
    _record(request, "people.work.listed", kind, rows)
    params = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    context = {
        "kind": kind,
        "form": form,
        "page": page,
        "rows": [(row, row.age_days(today)) for row in rows],
        "filter_query": params.urlencode(),
    }
    return render(request, "people/work_list.html", context)
