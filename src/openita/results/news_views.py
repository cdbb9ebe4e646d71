"""News and documents: NACC writes and publishes posts; the public reads them and
downloads their files."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openita.accounts.http import AuthenticatedRequest
from openita.core.errors import ActionRefused
from openita.core.permissions import require
from openita.core.web import attempt, posted, posted_files, refuse_into_form

from . import news
from .forms import NewsPostForm
from .models import NewsAttachment, NewsPost


@login_required
@require_GET
def manage_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, "results.news")
    posts = NewsPost.objects.order_by("-updated_at", "-id")[:200]
    return render(request, "results/news_list.html", {"posts": posts})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, post_id: int | None = None) -> HttpResponse:
    require(request.user, "results.news")
    post = get_object_or_404(NewsPost, pk=post_id) if post_id else None
    initial = {f: getattr(post, f) for f in news.FIELDS} if post else None
    form = NewsPostForm(posted(request), posted_files(request), initial=initial)
    if form.is_valid():
        try:
            saved = news.save(post, form.cleaned_data, form.cleaned_data["documents"],
                              acting_user=request.user)
        except ActionRefused as error:
            refuse_into_form(form, error)
        else:
            return redirect("results:news_edit", post_id=saved.pk)
    return render(request, "results/news_edit.html", {"form": form, "post": post})


@login_required
@require_POST
def publish(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    require(request.user, "results.news")
    post = get_object_or_404(NewsPost, pk=post_id)
    attempt(request, lambda: news.publish(post, acting_user=request.user),
            _("The post is on the public home page."))
    return redirect("results:news_edit", post_id=post_id)


@login_required
@require_POST
def withdraw(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    require(request.user, "results.news")
    post = get_object_or_404(NewsPost, pk=post_id)
    attempt(request, lambda: news.withdraw(post, acting_user=request.user),
            _("The post is no longer on the public page."))
    return redirect("results:news_edit", post_id=post_id)


# The public side (portal/...): published posts only; a draft is not found.

@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/news_list.html", {"posts": news.public()[:100]})


@require_GET
def public_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(news.public(), pk=post_id)
    return render(request, "portal/news_post.html", {"post": post})


@require_GET
def public_file(request: HttpRequest, post_id: int, attachment_id: int) -> FileResponse:
    attachment = NewsAttachment.objects.filter(
        pk=attachment_id, post_id=post_id, post__published_at__isnull=False).first()
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True,
                        filename=attachment.name, content_type=attachment.content_type)
