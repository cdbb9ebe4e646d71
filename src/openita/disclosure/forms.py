"""Forms of the OIT pages; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openita.core.forms import SafeTextMixin
from openita.frameworks.schema import OITItem

from .models import MAX_COMMENT, MAX_EXPLANATION, MAX_URL_LENGTH, MAX_URLS, DisputeOutcome

PUBLISHES = [("yes", _("Yes, it is on our website")), ("no", _("No, we do not publish it"))]


class AnswerForm(SafeTextMixin, forms.Form):
    publishes = forms.ChoiceField(label=_("Does the agency publish this?"), choices=PUBLISHES,
                                  widget=forms.RadioSelect, required=False)
    explanation = forms.CharField(
        label=_("Where on the page is the data?"), required=False, max_length=MAX_EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tell the consultant, who reads as a member of the public would, where "
                    "to find each element: a heading, a menu, a table, a page of a file."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, MAX_URLS + 1):
            self.fields[f"url_{number}"] = forms.CharField(
                label=_("Web address %(n)d") % {"n": number}, required=False,
                max_length=MAX_URL_LENGTH,
                widget=forms.URLInput(attrs={"inputmode": "url", "spellcheck": "false"}))
        self.order_fields(["publishes", *[f"url_{n}" for n in range(1, MAX_URLS + 1)],
                           "explanation"])

    def url_fields(self) -> list[forms.BoundField]:
        return [self[f"url_{n}"] for n in range(1, MAX_URLS + 1)]

    @staticmethod
    def initial_for(answer: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "publishes": {True: "yes", False: "no"}.get(answer.publishes, ""),
            "explanation": answer.explanation}
        for number, url in enumerate(answer.urls, start=1):
            initial[f"url_{number}"] = url
        return initial

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"publishes": {"yes": True, "no": False}.get(data["publishes"]),
                "urls": [data[f"url_{n}"] for n in range(1, MAX_URLS + 1)],
                "explanation": data["explanation"]}


class CommentForm(SafeTextMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


DECISIONS = [("pass", _("Passes")), ("fail", _("Fails"))]


def add_criteria(form: forms.Form, item: OITItem, language: str, help_text: Any = "") -> None:
    """A tick box per criterion of the item, named ``criterion_<code>``."""
    for criterion in item.criteria:
        text = criterion.text_en if language == "en" else criterion.text_th
        form.fields[f"criterion_{criterion.code}"] = forms.BooleanField(
            label=f"{criterion.code}. {text}", required=False, help_text=help_text)


class DecisionForm(SafeTextMixin, forms.Form):
    """Pass or fail, a tick per criterion of the item, and a comment."""

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS,
                                 widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment for the agency"), required=False,
                              max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when the item fails."))

    def __init__(self, item: OITItem, language: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        add_criteria(self, item, language)
        self.order_fields(["decision", *[f"criterion_{c.code}" for c in item.criteria],
                           "comment"])

    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[f"criterion_{c.code}"] for c in self.item.criteria]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"passed": data["decision"] == "pass", "comment": data["comment"],
                "criteria": {c.code: data[f"criterion_{c.code}"] for c in self.item.criteria}}


class DisputeForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why should the decision change?"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Point to the data in the evidence you gave: no new web address can be "
                    "added at this stage."))
    url_position = forms.TypedChoiceField(label=_("Which of your addresses"), coerce=int,
                                          required=False, empty_value=None)
    where = forms.CharField(label=_("Where on that page"), required=False, max_length=500)

    def __init__(self, urls: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["url_position"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *[(str(n), url) for n, url in enumerate(urls, start=1)]]


class DisputeAnswerForm(SafeTextMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Answer"), choices=DisputeOutcome.choices,
                                widget=forms.RadioSelect)
    reply = forms.CharField(label=_("Reply to the agency"), max_length=MAX_COMMENT,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, item: OITItem, language: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        add_criteria(self, item, language, help_text=_("Only when the decision changes."))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"outcome": data["outcome"], "reply": data["reply"],
                "criteria": {c.code: data[f"criterion_{c.code}"] for c in self.item.criteria}}


class QueueFilterForm(SafeTextMixin, forms.Form):
    """The consultant queue's filters; every choice is checked against what exists."""

    group = forms.TypedChoiceField(label=_("Agency group"), required=False, coerce=int,
                                   empty_value=None)
    province = forms.TypedChoiceField(label=_("Province"), required=False, coerce=int,
                                      empty_value=None)
    item = forms.ChoiceField(label=_("Item"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    second = forms.ChoiceField(label=_("Second review"), required=False)
    q = forms.CharField(label=_("Agency"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    group_ids: list[int] = []  # the groups offered (the view sets them)
