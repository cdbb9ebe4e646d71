"""The public pages of published planning documents, without sign-in, at a stable address
an agency cites as OIT evidence: ``/a/<agency-code>/<fiscal-year>/<kind>/`` shows the
latest version and its date; every earlier version stays at ``…/v<n>/``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from openita.agencies.models import Agency

from .models import DocumentKind, PublishedDocument
from .rendering import prepare
from .views import respond_with_document


def _version(code: str, fiscal_year: int, kind: str, version: int | None
             ) -> tuple[PublishedDocument, list[PublishedDocument]]:
    if kind not in DocumentKind.values:
        raise Http404
    agency = get_object_or_404(Agency, code=code)
    versions = list(PublishedDocument.objects.filter(
        agency=agency, fiscal_year=fiscal_year, kind=kind).defer("content"))
    wanted = versions[0] if versions and version is None else next(
        (v for v in versions if v.version == version), None)
    if wanted is None:
        raise Http404
    return PublishedDocument.objects.select_related("agency").get(pk=wanted.pk), versions


@require_GET
def document(request: HttpRequest, code: str, fiscal_year: int, kind: str,
             version: int | None = None) -> HttpResponse:
    shown, versions = _version(code, fiscal_year, kind, version)
    return render(request, "planning/public.html", {
        "shown": shown, "versions": versions, "latest": versions[0],
        "doc": prepare(shown.content), "label": DocumentKind(kind).label,
        "thai": request.GET.get("digits") == "thai"})


@require_GET
def document_file(request: HttpRequest, code: str, fiscal_year: int, kind: str,
                  version: int, fmt: str) -> HttpResponse:
    shown, _versions = _version(code, fiscal_year, kind, version)
    return respond_with_document(shown.content, fmt, request.GET.get("digits") == "thai")
