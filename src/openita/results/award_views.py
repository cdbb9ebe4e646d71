"""NACC's award categories of a year, their lists and the PDF of every list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, refuse_into_form

from . import awards
from .forms import AwardCategoryForm
from .models import AwardCategory
from .views import _year


@login_required
@require_http_methods(["GET", "POST"])
def award_list(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    year = _year(request, fiscal_year)
    require(request.user, "results.awards")
    form = AwardCategoryForm(posted(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            awards.define(year, name_th=data["name_th"], name_en=data["name_en"],
                          rule=data["rule"], top=data["top"], min_total=data["min_total"],
                          kinds=data["kinds"], acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            return redirect("results:awards", fiscal_year=fiscal_year)
    lists = [(c, awards.winners(c)) for c in AwardCategory.objects.filter(year=year)]
    return render(request, "results/awards.html", {"year": year, "form": form,
                                                   "lists": lists})


@login_required
@require_POST
def award_remove(request: AuthenticatedRequest, fiscal_year: int,
                 category_id: int) -> HttpResponse:
    year = _year(request, fiscal_year)
    category = get_object_or_404(AwardCategory, pk=category_id, year=year)
    attempt(request, lambda: awards.remove(category, acting_user=request.user),
            _("The category is removed."))
    return redirect("results:awards", fiscal_year=fiscal_year)


@login_required
def award_pdf(request: AuthenticatedRequest, fiscal_year: int) -> HttpResponse:
    year = _year(request, fiscal_year)
    require(request.user, "results.awards")
    pdf = awards.render_pdf(year, thai_digits=request.GET.get("digits") == "thai")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ita-awards-{fiscal_year}.pdf"'
    return response
