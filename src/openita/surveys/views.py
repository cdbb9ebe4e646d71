"""Respondent pages: /go/iit/<code>/ and /go/eit/<code>/ — anonymous, small, no JavaScript."""

from __future__ import annotations

import functools
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from openita.core.errors import ActionRefused, PhaseClosed

from . import respondent, services, sms
from .models import Instrument, RespondentType

INSTRUMENTS = {"iit": Instrument.IIT, "eit": Instrument.EIT}


def survey_view(view):
    """Resolve the link and the window first; a bad link, a deactivated agency or a closed
    window gets a polite page, never an error."""

    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, instrument: str, code: str, *args, **kwargs):
        if instrument not in INSTRUMENTS:
            raise Http404
        kind = INSTRUMENTS[instrument]
        try:
            enrolment, framework, closes = services.open_link(code, kind)
        except (PhaseClosed, services.NotCollecting) as error:
            return render(request, "surveys/closed.html", {"message": error.message})
        except ActionRefused as error:
            return render(request, "surveys/closed.html", {"message": error.message},
                          status=404)
        survey = {"instrument": kind, "slug": instrument, "code": code.lower(),
                  "enrolment": enrolment, "agency": enrolment.agency, "framework": framework,
                  "closes": closes, "progress": respondent.read(request, kind, code.lower())}
        return view(request, survey, *args, **kwargs)

    return wrapper


def _go(survey: dict, step: str, *args: int) -> str:
    # Redirects take this path as it is (HttpResponseRedirect): django.shortcuts.redirect
    # would first try the path as a view name, an exception per request on deadline day.
    return _path(get_script_prefix(), step, survey["slug"], survey["code"], *args)


@functools.lru_cache(maxsize=16384)  # a handful of paths per survey, asked again and again
def _path(prefix: str, step: str, *args: object) -> str:
    """``prefix`` (the script prefix, which reverse() reads too) is only part of the key."""
    return reverse(f"surveys:{step}", args=args)


def _save(response: HttpResponse, survey: dict) -> HttpResponse:
    respondent.write(response, survey["instrument"], survey["code"], survey["progress"],
                     survey["closes"])
    return response


def _render(request, survey, template, context=None, status=200) -> HttpResponse:
    pages = respondent.pages(survey["framework"], survey["instrument"])
    context = {**survey, "page_count": len(pages), **(context or {})}
    return _save(render(request, f"surveys/{template}", context, status=status), survey)


def _next_step(survey: dict) -> str:
    progress = survey["progress"]
    if not progress.eligible:
        return _go(survey, "start")
    if survey["instrument"] == Instrument.EIT and not progress.verified:
        return _go(survey, "verify" if progress.phone_hash else "phone")
    return _go(survey, "page", 1)


_CODE_SHAPE = _lazy("Type the 8-character access code printed on your slip, e.g. "
                    "ABCD-EFGH.")


@require_http_methods(["GET", "POST"])
@survey_view
def start(request: HttpRequest, survey: dict) -> HttpResponse:
    progress = survey["progress"]
    needs_code = survey["instrument"] == Instrument.IIT and survey[
        "enrolment"].year.iit_requires_access_code
    errors: dict[str, object] = {}
    if request.method == "POST":
        if request.POST.get("eligible") != "yes":
            errors["eligible"] = _("Please confirm that this survey is for you.")
        if survey["instrument"] == Instrument.EIT:
            kind = request.POST.get("respondent_type", "")
            if kind not in RespondentType.values:
                errors["respondent_type"] = _("Please choose who you are answering as.")
            progress.respondent_type = kind
        if needs_code:
            # Only the code's shape is checked here; whether it exists or was used is told
            # at the final send alone (services: the code oracle).
            code = request.POST.get("access_code", "")
            if services.access_code_well_formed(code):
                progress.code_hash = services.code_hash(code)
            elif code.strip() or not progress.code_hash:
                errors["access_code"] = _CODE_SHAPE
        if not errors:
            progress.eligible = True
            return _save(HttpResponseRedirect(_next_step(survey)), survey)
    return _render(request, survey, "start.html", {
        "needs_code": needs_code, "errors": errors,
        "respondent_types": RespondentType.choices}, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@survey_view
def phone(request: HttpRequest, survey: dict) -> HttpResponse:
    progress = survey["progress"]
    if survey["instrument"] != Instrument.EIT or not progress.eligible:
        return HttpResponseRedirect(_next_step(survey))
    error = None
    if request.method == "POST":
        try:
            number = services.send_otp(
                survey["enrolment"], request.POST.get("phone", ""),
                session_key=progress.key, address=respondent.network(request.META))
        except ActionRefused as refusal:
            error = refusal.message
        else:
            # The cookie keeps the number's keyed hash and a masked hint, never the number.
            progress.phone_hash = services.phone_hmac(number)
            progress.phone_hint = sms.masked(number)
            return _save(HttpResponseRedirect(_go(survey, "verify")), survey)
    return _render(request, survey, "phone.html", {"error": error},
                   status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@survey_view
def verify(request: HttpRequest, survey: dict) -> HttpResponse:
    progress = survey["progress"]
    if survey["instrument"] != Instrument.EIT or not progress.phone_hash or progress.verified:
        return HttpResponseRedirect(_next_step(survey))
    error = None
    if request.method == "POST":
        try:
            services.check_otp(survey["enrolment"], progress.phone_hash,
                               request.POST.get("code", ""),
                               address=respondent.network(request.META))
        except ActionRefused as refusal:
            error = refusal.message
        else:
            # Verified: nothing of the number stays in the cookie (the claim is stored).
            progress.verified, progress.phone_hash, progress.phone_hint = True, "", ""
            return _save(HttpResponseRedirect(_go(survey, "page", 1)), survey)
    return _render(request, survey, "verify.html",
                   {"error": error, "masked": progress.phone_hint},
                   status=400 if error else 200)


def _ready(survey: dict) -> bool:
    return respondent.is_ready(survey["progress"], survey["instrument"])


@require_http_methods(["GET", "POST"])
@survey_view
def page(request: HttpRequest, survey: dict, number: int) -> HttpResponse:
    if not _ready(survey):
        return HttpResponseRedirect(_next_step(survey))
    pages = respondent.pages(survey["framework"], survey["instrument"])
    if not 1 <= number <= len(pages):
        raise Http404
    indicator, questions = pages[number - 1]
    answers = survey["progress"].answers
    errors: set[str] = set()
    if request.method == "POST":
        errors = respondent.read_answers(survey["framework"], questions, request.POST, answers)
        if not errors:
            target = (_go(survey, "page", number + 1) if number < len(pages)
                      else _go(survey, "review"))
            return _save(HttpResponseRedirect(target), survey)
    rows = respondent.question_rows(survey["framework"], questions, answers)
    return _render(request, survey, "page.html", {
        "number": number, "indicator": indicator, "rows": rows, "errors": errors,
        "percent": int(100 * (number - 1) / len(pages)),
        "back": _go(survey, "page", number - 1) if number > 1 else None,
    }, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@survey_view
def review(request: HttpRequest, survey: dict) -> HttpResponse:
    """The last step; its POST stores the response. This is the request of deadline day:
    it passes the whole middleware chain like any other and costs little on its own (the
    survey's facts come from the cache, the answers from the respondent's cookie, one
    INSERT, no session)."""
    if not _ready(survey):
        return HttpResponseRedirect(_next_step(survey))
    progress = survey["progress"]
    missing = respondent.first_unanswered_page(survey["framework"], survey["instrument"],
                                               progress.answers)
    if missing is not None:
        return HttpResponseRedirect(_go(survey, "page", missing))
    error: object = None
    ask_code = False
    if request.method == "POST":
        typed = request.POST.get("access_code")
        if typed is not None:  # another code, typed after one was refused
            if services.access_code_well_formed(typed):
                progress.code_hash = services.code_hash(typed)
            else:
                error, ask_code = _CODE_SHAPE, True
    if request.method == "POST" and error is None:
        try:
            respondent.send(survey["enrolment"], survey["instrument"], survey["framework"],
                            progress, respondent.network(request.META))
        except services.StartAgain as refusal:
            # Too many codes tried with these answers: they are dropped, so that asking
            # about more codes costs a new survey.
            response = _render(request, survey, "review.html", {"error": refusal.message,
                                                                "restart": True}, status=400)
            respondent.forget(response, survey["instrument"], survey["code"])
            return response
        except ActionRefused as refusal:
            # The answers stay in the cookie; a refused code may be replaced on this page.
            error, ask_code = refusal.message, refusal.field == "access_code"
        else:
            # The thank-you page is reached only after the response has committed.
            response = HttpResponseRedirect(_go(survey, "thanks"))
            respondent.forget(response, survey["instrument"], survey["code"])
            return response
    return _render(request, survey, "review.html", {"error": error, "ask_code": ask_code},
                   status=400 if error else 200)


@survey_view
def thanks(request: HttpRequest, survey: dict) -> HttpResponse:
    return render(request, "surveys/thanks.html", survey)
