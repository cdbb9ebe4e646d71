"""Every form of openita guards its fields against absurd input (core.forms.SafeTextMixin):
control characters, text without a length bound, integers beyond any column, and row keys
beyond the key column, which the database drivers turn into a 500."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms

import openita
from openita.agencies.models import AgencyGroup, Province
from openita.core.forms import INTEGER_BOUNDS, MAX_LINE_LENGTH, MAX_TEXT_LENGTH, SafeTextMixin

HUGE = "9" * 20  # beyond a 64-bit integer: OverflowError on SQLite, DataError on PostgreSQL


def _openita_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(openita.__path__, "openita."):
        if ".migrations." not in module.name:
            importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                todo.append(subclass)
    return sorted((c for c in found if c.__module__.split(".")[0] == "openita"),
                  key=lambda c: (c.__module__, c.__qualname__))


def test_the_walk_finds_the_forms_of_every_app():
    modules = {c.__module__ for c in _openita_forms()}
    assert {"openita.core.forms", "openita.agencies.forms", "openita.frameworks.forms",
            "openita.calendars.forms", "openita.accounts.forms"} <= modules


def test_every_form_of_openita_mixes_in_the_guard_before_django_s_form():
    unguarded = [f"{c.__module__}.{c.__qualname__}" for c in _openita_forms()
                 if SafeTextMixin not in c.__mro__
                 or c.__mro__.index(SafeTextMixin) > c.__mro__.index(forms.BaseForm)]
    assert unguarded == []


class Sample(SafeTextMixin, forms.Form):
    name = forms.CharField(max_length=50)
    note = forms.CharField(widget=forms.Textarea, required=False)
    free = forms.CharField(required=False)
    count = forms.IntegerField(required=False)
    bounded = forms.IntegerField(required=False, min_value=1, max_value=10)


def _errors(**data) -> dict:
    form = Sample({"name": "x", **data})
    form.is_valid()
    return form.errors


@pytest.mark.parametrize("text", ["a\x0bb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b",
                                  "a\u202eb", "a\u2028b", "line\nbreak", "a\tb"])
def test_a_single_line_field_refuses_control_characters(text):
    assert "name" in _errors(name=text)


def test_a_multi_line_field_takes_line_breaks_and_tabs_but_no_other_control_character():
    assert _errors(note="first line\r\nsecond\tline") == {}
    assert "note" in _errors(note="first line\x0bsecond")


def test_a_text_field_without_a_bound_gets_one_and_shows_it():
    form = Sample()
    assert form.fields["free"].max_length == MAX_LINE_LENGTH
    assert form.fields["note"].max_length == MAX_TEXT_LENGTH
    assert form.fields["name"].max_length == 50  # a field's own bound stays
    assert f'maxlength="{MAX_LINE_LENGTH}"' in str(form["free"])
    assert "free" in _errors(free="A" * 100_000)
    assert "note" in _errors(note="A" * (MAX_TEXT_LENGTH + 1))


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, str(INTEGER_BOUNDS[1] + 1), "9" * 5000,
                                   "1e400"])
def test_an_integer_field_without_bounds_refuses_absurd_numbers(value):
    assert "count" in _errors(count=value)


def test_an_integer_field_keeps_its_own_bounds():
    assert "bounded" in _errors(bounded="11")
    assert _errors(bounded="10", count=str(INTEGER_BOUNDS[1])) == {}


class Parsed(SafeTextMixin, forms.Form):
    key = forms.UUIDField()
    data = forms.JSONField()


def test_text_fields_that_clean_to_other_values_still_clean():
    form = Parsed({"key": "12345678-1234-5678-1234-567812345678", "data": "5"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["data"] == 5


def test_a_field_added_after_the_form_is_made_is_guarded_too():
    form = Sample({"name": "x"})
    form.fields["late"] = forms.CharField()
    form.data = {"name": "x", "late": "a\x0bb"}
    assert not form.is_valid() and "late" in form.errors


class Choices(SafeTextMixin, forms.Form):
    province = forms.ModelChoiceField(queryset=Province.objects.all(), required=False)
    code = forms.ModelChoiceField(queryset=Province.objects.all(), to_field_name="code",
                                  required=False)
    groups = forms.ModelMultipleChoiceField(queryset=AgencyGroup.objects.all(), required=False)


@pytest.mark.parametrize("field,value", [
    ("province", HUGE), ("province", "-" + HUGE), ("province", "9" * 5000),
    ("province", "1e5"), ("province", "a\x00b"), ("code", "A" * 100_000),
    ("groups", [HUGE]), ("groups", ["1", HUGE]), ("groups", ["-" + HUGE]),
    ("groups", ["a\x00b"]),
])
def test_a_row_choice_given_an_absurd_key_is_a_form_error_on_every_database(
        world, field, value):
    form = Choices({field: value})

    assert not form.is_valid()
    assert field in form.errors


def test_a_row_choice_still_finds_its_rows(world):
    form = Choices({"province": str(world.province_p.pk), "code": "TH-83",
                    "groups": [str(world.group_x.pk)]})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["province"] == world.province_p
    assert form.cleaned_data["code"] == world.province_q
    assert list(form.cleaned_data["groups"]) == [world.group_x]
