"""News and documents NACC posts on the public home page: drafts until published, each
change audited, attachments kept through Django's storage API (shared storage in
production) and checked before anything is saved."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openita.core import audit
from openita.core.errors import ActionRefused
from openita.core.permissions import require

from . import portal
from .models import AuditAction, NewsAttachment, NewsPost

ALLOWED = {".pdf", ".docx", ".xlsx", ".doc", ".xls", ".jpg", ".jpeg", ".png"}
MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
FIELDS = ("title_th", "title_en", "body_th", "body_en")


def public() -> QuerySet[NewsPost]:
    return NewsPost.objects.filter(published_at__isnull=False).prefetch_related(
        "attachments").order_by("-published_at", "-id")


def _checked(files: list[UploadedFile], already: int) -> list[tuple[str, bytes]]:
    """Every file readable and allowed, or a refusal naming the first that is not."""
    if already + len(files) > MAX_FILES:
        raise ActionRefused(_("A post has at most %(n)d files.") % {"n": MAX_FILES},
                            field="documents")
    found = []
    for upload in files:
        name = PurePath(upload.name or "").name[:200]
        if PurePath(name).suffix.lower() not in ALLOWED:
            raise ActionRefused(_("%(name)s: only PDF, Word, Excel, JPEG and PNG files can "
                                  "be attached.") % {"name": name}, field="documents")
        if (upload.size or 0) > MAX_BYTES:
            raise ActionRefused(_("%(name)s is larger than 10 MB.") % {"name": name},
                                field="documents")
        found.append((name, upload.read()))
    return found


def save(post: NewsPost | None, data: dict[str, str], files: list[UploadedFile], *,
         acting_user: Any) -> NewsPost:
    """Create or change a post and add its new files: all of it or nothing."""
    require(acting_user, "results.news")
    checked = _checked(files, post.attachments.count() if post else 0)
    written: list[NewsAttachment] = []
    try:
        with transaction.atomic():
            before = {f: getattr(post, f) for f in FIELDS} if post else None
            new = post is None
            if post is None:
                post = NewsPost(created_by=acting_user)
            for field in FIELDS:
                setattr(post, field, data.get(field, ""))
            # Only the text: a change never touches whether (or when) it was published.
            post.save() if new else post.save(update_fields=[*FIELDS, "updated_at"])
            for name, content in checked:
                attachment = NewsAttachment(
                    post=post, name=name, size=len(content),
                    content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                    sha256=hashlib.sha256(content).hexdigest())
                attachment.file.save(name, ContentFile(content), save=False)
                written.append(attachment)
                attachment.save()
            audit.record(AuditAction.NEWS_SAVE, actor=acting_user, obj=post, before=before,
                         after={**{f: getattr(post, f) for f in FIELDS},
                                "files_added": [n for n, _c in checked]})
            portal.changed()  # were it on the public pages, they are drawn again
    except Exception:
        for attachment in written:  # the post was not saved: neither are its files
            attachment.file.delete(save=False)
        raise
    return post


@transaction.atomic
def publish(post: NewsPost, *, acting_user: Any) -> None:
    require(acting_user, "results.news")
    post = NewsPost.objects.select_for_update().get(pk=post.pk)
    if post.published_at is not None:
        raise ActionRefused(_("This post is already on the public page."))
    post.published_at = timezone.now()
    post.save(update_fields=["published_at", "updated_at"])
    portal.changed()
    audit.record(AuditAction.NEWS_PUBLISH, actor=acting_user, obj=post,
                 after={"title": post.title_th})


@transaction.atomic
def withdraw(post: NewsPost, *, acting_user: Any) -> None:
    require(acting_user, "results.news")
    post = NewsPost.objects.select_for_update().get(pk=post.pk)
    if post.published_at is None:
        raise ActionRefused(_("This post is not on the public page."))
    audit.record(AuditAction.NEWS_WITHDRAW, actor=acting_user, obj=post,
                 before={"published_at": post.published_at.isoformat()})
    post.published_at = None
    post.save(update_fields=["published_at", "updated_at"])
    portal.changed()
