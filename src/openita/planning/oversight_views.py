"""The oversight body's pages, under /planning/: its scopes (provinces, ministries), each
with the status of its agencies for the year, its plan and its coaching log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.accounts.predicates import roles_of
from openita.agencies.models import Agency, Province
from openita.core.thaisort import thai_sorted
from openita.core.web import attempt, posted

from . import oversight
from .forms import CoachingForm
from .models import ActionPlan, CoachingActivity
from .plan_views import start_scope_plan
from .plans import Scope, owner_filter
from .views import _saved, _year

KINDS = ("province", "parent")


def _can(request: AuthenticatedRequest, permission: str, obj: Any) -> bool:
    """A permission on a model or on a ``Scope`` (rules reads its two ids)."""
    user: Any = request.user
    return bool(user.has_perm(permission, obj))


def _scope(request: AuthenticatedRequest, kind: str, scope_id: int) -> tuple[Scope, str]:
    """The scope and its name, if the person oversees it or is NACC (404 otherwise)."""
    if kind not in KINDS:
        raise Http404
    scope = Scope(province_id=scope_id) if kind == "province" else Scope(parent_id=scope_id)
    if not _can(request, "planning.view_scope", scope):
        raise Http404
    if kind == "province":
        name = "จังหวัด" + get_object_or_404(Province, pk=scope_id).name_th
    else:
        name = get_object_or_404(Agency, pk=scope_id).name_th
    return scope, name


@login_required
@require_GET
def scopes(request: AuthenticatedRequest) -> HttpResponse:
    """The provinces and organisations the person oversees."""
    roles = roles_of(request.user)
    found = [("province", p.pk, "จังหวัด" + p.name_th) for p in
             Province.objects.filter(pk__in=roles.oversight_provinces)]
    found += [("parent", a.pk, a.name_th) for a in
              Agency.objects.filter(pk__in=roles.oversight_parents)]
    if len(found) == 1:
        return redirect("planning:scope", found[0][0], found[0][1])
    return render(request, "planning/scopes.html", {
        "scopes": thai_sorted(found, key=lambda s: s[2])})


def _fiscal_year(request: AuthenticatedRequest) -> int:
    try:
        return _year(int(request.GET.get("year") or oversight.current_fiscal_year()))
    except ValueError:
        raise Http404 from None


@login_required
@require_GET
def scope_page(request: AuthenticatedRequest, kind: str, scope_id: int) -> HttpResponse:
    scope, name = _scope(request, kind, scope_id)
    fiscal_year = _fiscal_year(request)
    plan = ActionPlan.objects.filter(fiscal_year=fiscal_year, agency=None,
                                     **owner_filter(scope)).first()
    rows = oversight.scope_status(scope, fiscal_year)
    return render(request, "planning/scope.html", {
        "scope": scope, "kind": kind, "scope_id": scope_id, "name": name,
        "fiscal_year": fiscal_year, "rows": rows, "plan": plan,
        "late": sum(1 for r in rows if r.late),
        "coaching": oversight.coaching_of(scope)[:100],
        "can_write": _can(request, "planning.oversee", scope),
        "years": [fiscal_year - 1, fiscal_year, fiscal_year + 1]})


@login_required
@require_POST
def scope_plan(request: AuthenticatedRequest, kind: str, scope_id: int, fiscal_year: int
               ) -> HttpResponse:
    scope, _name = _scope(request, kind, scope_id)
    return start_scope_plan(request, scope, fiscal_year)


def _agency_choices(scope: Scope) -> list[tuple[int, str]]:
    agencies = thai_sorted(oversight.agencies_in(scope).only("pk", "name_th"),
                           key=lambda a: a.name_th)
    return [(a.pk, a.name_th) for a in agencies]


@login_required
@require_http_methods(["GET", "POST"])
def coaching_page(request: AuthenticatedRequest, kind: str, scope_id: int,
                  activity_id: int | None = None) -> HttpResponse:
    """Record a coaching activity, or correct one."""
    scope, name = _scope(request, kind, scope_id)
    if not _can(request, "planning.oversee", scope):
        raise PermissionDenied
    activity = None
    initial: dict[str, Any] = {}
    if activity_id is not None:
        activity = get_object_or_404(oversight.coaching_of(scope), pk=activity_id)
        initial = {"held_on": activity.held_on, "kind": activity.kind, "place": activity.place,
                   "notes": activity.notes,
                   "agencies": [a.pk for a in activity.agencies.all()]}
    form = CoachingForm(posted(request), initial=initial, agencies=_agency_choices(scope))
    back = reverse("planning:scope", args=[kind, scope_id]) + "#coaching"
    if request.method == "POST" and _saved(form, lambda: oversight.save_coaching(
            scope, activity, acting_user=request.user,
            held_on=form.cleaned_data["held_on"], kind=form.cleaned_data["kind"],
            agency_ids=form.cleaned_data["agencies"], place=form.cleaned_data["place"],
            notes=form.cleaned_data["notes"])):
        return redirect(back)
    return render(request, "planning/edit.html", {
        "form": form, "back": back, "scope_name": name,
        "heading": _("Change the coaching activity") if activity else _(
            "Record a coaching activity"),
        "delete_url": reverse("planning:coaching_delete", args=[kind, scope_id, activity.pk])
        if activity else ""})


@login_required
@require_http_methods(["GET", "POST"])
def coaching_delete(request: AuthenticatedRequest, kind: str, scope_id: int,
                    activity_id: int) -> HttpResponse:
    scope, _name = _scope(request, kind, scope_id)
    activity: CoachingActivity = get_object_or_404(oversight.coaching_of(scope),
                                                   pk=activity_id)
    if not request.user.has_perm("planning.oversee", activity):
        raise PermissionDenied
    back = reverse("planning:scope", args=[kind, scope_id]) + "#coaching"
    if request.method == "POST":
        attempt(request, lambda: oversight.delete_coaching(activity, acting_user=request.user),
                _("The coaching activity was removed."))
        return redirect(back)
    return render(request, "planning/confirm.html", {
        "back": back, "heading": _("Remove this coaching activity?"),
        "what": f"{activity.get_kind_display()} · {activity.held_on:%Y-%m-%d}",
        "button": _("Remove the activity"),
        "consequence": _("The activity leaves the coaching log. The audit log keeps a copy.")})
