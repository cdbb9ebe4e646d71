"""Framework pages: read the method of a year; NACC clones and edits drafts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import posted, refuse_into_form, refuse_into_messages

from . import loader, outline, services
from .forms import CloneForm, DraftForm
from .models import FrameworkVersion
from .schema import CONFIRMED


@login_required
def framework_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "frameworks.view_framework")
    stored = {v.code: v for v in FrameworkVersion.objects.prefetch_related("years")}
    shipped: list[dict[str, object]] = []
    for code in loader.shipped():
        try:
            framework = loader.get(code)
        except loader.FrameworkError as error:
            shipped.append({"code": code, "error": str(error)})
            continue
        version = stored.get(code)
        current = version is not None and version.checksum == services.checksum_of(
            services.to_data(framework))
        shipped.append({"code": code, "framework": framework, "version": version,
                        "current": current})
    return render(request, "frameworks/list.html", {
        "shipped": shipped, "versions": stored.values(),
        "can_manage": request.user.has_perm("frameworks.manage_frameworks")})


def _framework(code: str):
    version = FrameworkVersion.objects.filter(code=code).first()
    if version is not None:
        return version, services.framework_of(version)
    try:
        return None, loader.get(code)
    except loader.FrameworkError:
        raise Http404 from None


@login_required
def framework_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    require(request.user, "frameworks.view_framework")
    version, framework = _framework(code)
    return _detail(request, version, framework,
                   CloneForm(initial={"fiscal_year": framework.fiscal_year + 1}))


def _detail(request, version, framework, clone_form, status: int = 200) -> HttpResponse:
    return render(request, "frameworks/detail.html", {
        "version": version, "framework": framework, "confirmed": CONFIRMED,
        "sections": outline.tree(framework), "clone_form": clone_form,
        "can_manage": request.user.has_perm("frameworks.manage_frameworks")}, status=status)


@login_required
@require_POST
def load(request: AuthenticatedRequest, code: str) -> HttpResponse:
    try:
        services.load_shipped(code, acting_user=request.user)
        messages.success(request, _("The framework is stored and can be given to a year."))
    except loader.FrameworkError as error:
        messages.error(request, str(error))
    except ActionRefused as error:
        refuse_into_messages(request, error)
    return redirect("frameworks:list")


@login_required
@require_POST
def clone(request: AuthenticatedRequest, code: str) -> HttpResponse:
    require(request.user, "frameworks.manage_frameworks")
    version, framework = _framework(code)
    if version is None:
        version = services.load_shipped(code, acting_user=request.user)
    form = CloneForm(request.POST)
    if form.is_valid():
        try:
            copy = services.clone(version, form.cleaned_data["code"],
                                  form.cleaned_data["fiscal_year"], acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The draft is created; edit it before its year opens."))
            return redirect("frameworks:edit", code=copy.code)
    return _detail(request, version, framework, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, code: str) -> HttpResponse:
    require(request.user, "frameworks.manage_frameworks")
    version = get_object_or_404(FrameworkVersion, code=code)
    form = DraftForm(posted(request), initial={
        "text": services.to_yaml(services.framework_of(version))})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_draft_text(version, form.cleaned_data["text"],
                                     acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            messages.success(request, _("The framework is saved."))
            return redirect("frameworks:detail", code=version.code)
    return render(request, "frameworks/edit.html", {"version": version, "form": form},
                  status=400 if form.errors else 200)
