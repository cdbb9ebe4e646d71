"""The open-data files are written once, by a worker, after the publication; downloads
read the written file; a rewrite replaces a file only once the new one is whole; nothing
is written for a year that is not published."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.http import FileResponse

from openita.results import opendata
from openita.results.models import OpenDataFile
from openita.results.tasks import write_open_data

from .conftest import respond


def text_of(response) -> str:
    body = b"".join(response.streaming_content)
    return body.decode("utf-8-sig")


def test_publication_writes_every_file_of_the_year(published):
    written = {f.name: f for f in OpenDataFile.objects.filter(year=published.year)}
    assert sorted(written) == sorted(opendata.FILES)
    for name, kept in written.items():
        made = "".join(opendata.lines_of(published.year, name))
        with kept.file.open("rb") as stored:
            assert stored.read().decode("utf-8") == made
        assert kept.rows == made.count("\n") - 1 and kept.size == len(made.encode())


def test_a_download_reads_the_written_file(published):
    kept = OpenDataFile.objects.get(year=published.year, name="responses-eit")
    respond(published.enrolment, "EIT", {"e1": 2})  # not in the file written before
    response = opendata.download(published.year, "responses-eit")
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"] == (
        f'attachment; filename="ita-{published.year.fiscal_year}-responses-eit.csv"')
    assert response.getvalue().decode("utf-8") == kept.file.open("rb").read().decode()


def test_writing_again_replaces_each_file_and_removes_the_old_one(
        published, django_capture_on_commit_callbacks):
    old = OpenDataFile.objects.get(year=published.year, name="responses-eit").file.name
    respond(published.enrolment, "EIT", {"e1": 2})  # an exclusion review after publication
    with django_capture_on_commit_callbacks(execute=True):
        assert write_open_data(published.year.pk) == len(opendata.FILES)
    kept = OpenDataFile.objects.get(year=published.year, name="responses-eit")
    assert kept.file.name != old and not default_storage.exists(old)
    assert kept.rows == 11
    assert OpenDataFile.objects.filter(year=published.year).count() == len(opendata.FILES)


def test_a_file_the_storage_lost_is_made_as_it_is_asked(published):
    kept = OpenDataFile.objects.get(year=published.year, name="oit")
    default_storage.delete(kept.file.name)
    response = opendata.download(published.year, "oit")
    assert not isinstance(response, FileResponse)
    assert text_of(response) == "".join(opendata.lines_of(published.year, "oit")).lstrip(
        "\ufeff")


def test_the_command_writes_a_published_year_again(published, capsys):
    old = OpenDataFile.objects.get(year=published.year, name="responses-eit").rows
    respond(published.enrolment, "EIT", {"e1": 2})
    call_command("write_open_data", str(published.year.fiscal_year))
    assert OpenDataFile.objects.get(year=published.year, name="responses-eit").rows == old + 1
    assert "responses-eit.csv" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not published"):
        call_command("write_open_data", str(published.year.fiscal_year + 1))


def test_a_file_not_yet_written_is_made_as_it_is_asked(published):
    OpenDataFile.objects.filter(year=published.year, name="oit").delete()
    response = opendata.download(published.year, "oit")
    assert text_of(response) == "".join(opendata.lines_of(published.year, "oit")).lstrip("\ufeff")


@pytest.mark.django_db
def test_nothing_is_written_for_a_year_not_published(confirmed):
    assert opendata.write_files(confirmed.year) == []
    assert write_open_data(confirmed.year.pk) == 0
    assert not OpenDataFile.objects.exists()
