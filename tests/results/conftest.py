"""The OIT stages of tests/disclosure, for results that need a confirmed OIT."""

from tests.disclosure.conftest import approved, entering, reviewing  # noqa: F401
