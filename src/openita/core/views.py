"""The audit log and the page for a refused form (CSRF)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openita.core.audit import verify_chain
from openita.core.forms import AuditFilterForm
from openita.core.models import AuditEntry
from openita.core.permissions import require


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, "core.view_audit")
    entries = AuditEntry.objects.select_related("actor")
    form = AuditFilterForm(request.GET)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    report = verify_chain() if request.GET.get("verify") else None
    return render(request, "core/audit_log.html", {
        "page": page, "form": form, "report": report,
        "query": urlencode({"action": action}) if action else ""})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
