"""The response table cannot identify anyone, by construction (checked on the schema)."""

from __future__ import annotations

from django.db import models

from openita.surveys.models import AccessCode, PhoneClaim, Response

# Every column a response may have, and why it cannot identify a person.
ALLOWED = {
    "id": "a random UUID, not a sequence",
    "enrolment": "the agency-year answered about",
    "instrument": "IIT or EIT",
    "channel": "self or consultant interview",
    "respondent_type": "person, business or agency (EIT)",
    "answers": "the answers",
    "flags": "quality signals computed at submission",
    "submitted_on": "a date, no time of day",
    "receipt": "hash of a random key only the respondent's browser held",
    "excluded": "NACC's decision to leave the response out of scoring",
    "excluded_reason": "the reason for that decision",
}


def test_a_response_has_only_columns_that_cannot_identify_anyone():
    columns = {f.name: f for f in Response._meta.get_fields() if f.concrete}
    assert set(columns) == set(ALLOWED), "a new response column needs an anonymity review"
    assert isinstance(columns["id"], models.UUIDField)
    assert isinstance(columns["submitted_on"], models.DateField)
    assert not isinstance(columns["submitted_on"], models.DateTimeField)
    relations = {f.name: f.related_model._meta.label for f in columns.values() if f.is_relation}
    assert relations == {"enrolment": "calendars.Enrolment"}


def test_no_time_and_no_link_between_duplicate_control_and_responses():
    for model in (Response, AccessCode, PhoneClaim):
        for field in model._meta.get_fields():
            assert not isinstance(field, models.DateTimeField | models.TimeField), (
                model.__name__, field.name)
    for model in (AccessCode, PhoneClaim):
        related = {f.related_model for f in model._meta.get_fields() if f.is_relation}
        assert Response not in related, model.__name__
    assert {f.name for f in PhoneClaim._meta.get_fields() if f.concrete} == {
        "id", "enrolment", "phone_hmac"}
