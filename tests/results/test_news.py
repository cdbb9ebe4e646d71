"""News and documents on the public home page: NACC writes a draft that nobody else sees,
publishes it with its files, withdraws it; a file that may not be attached leaves nothing
saved; only NACC writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openita.core.errors import ActionRefused
from openita.core.models import AuditEntry
from openita.results import news
from openita.results.models import NewsAttachment, NewsPost

PDF = b"%PDF-1.4\n% a small document\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _post(client, **extra):
    return client.post(reverse("results:news_new"), {
        "title_th": "ประกาศผลการประเมิน ITA", "title_en": "", "body_th": "รายละเอียด\nบรรทัดสอง",
        "body_en": "", **extra})


def test_a_draft_is_published_with_its_file_and_withdrawn(world, client_for, client):
    nacc = client_for(world.nacc)
    response = _post(nacc, documents=[SimpleUploadedFile("ผลการประเมิน.pdf", PDF,
                                                     content_type="application/pdf")])
    assert response.status_code == 302
    post = NewsPost.objects.get()
    attachment = post.attachments.get()
    page = reverse("portal:news_post", args=[post.pk])
    file = reverse("portal:news_file", args=[post.pk, attachment.pk])
    assert client.get(page).status_code == 404 and client.get(file).status_code == 404
    assert "ประกาศผลการประเมิน ITA" not in client.get(reverse("portal:home")).content.decode()
    nacc.post(reverse("results:news_publish", args=[post.pk]))
    assert "ประกาศผลการประเมิน ITA" in client.get(reverse("portal:home")).content.decode()
    body = client.get(page).content.decode()
    assert "บรรทัดสอง" in body and "ผลการประเมิน.pdf" in body
    download = client.get(file)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    nacc.post(reverse("results:news_withdraw", args=[post.pk]))
    assert client.get(page).status_code == 404
    assert set(AuditEntry.objects.filter(action__startswith="results.news").values_list(
        "action", flat=True)) == {"results.news_save", "results.news_publish",
                                  "results.news_withdraw"}


def test_a_file_that_may_not_be_attached_leaves_nothing_saved(world, client_for, tmp_path):
    response = _post(client_for(world.nacc), documents=[
        SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile("run.exe", b"MZ")])
    assert response.status_code == 200 and "run.exe" in response.content.decode()
    assert not NewsPost.objects.exists() and not NewsAttachment.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_only_nacc_writes_news(world):
    with pytest.raises(PermissionDenied):
        news.save(None, {"title_th": "x", "body_th": "y"}, [], acting_user=world.admin_a)
    post = news.save(None, {"title_th": "x", "body_th": "y"}, [], acting_user=world.nacc)
    news.publish(post, acting_user=world.nacc)
    with pytest.raises(ActionRefused):
        news.publish(post, acting_user=world.nacc)
