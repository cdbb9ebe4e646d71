"""Shared test set-up: plain static storage (no collectstatic in tests) and the personas."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.personas"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test gets its own empty cache (rate limits, one-time passwords) and SMS outbox.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test"}}
    settings.SMS_GATEWAY = "console"
    settings.OPENITA_SURVEY_CACHE_SECONDS = 0  # tests change windows directly
    from django.core.cache import cache

    from openita.surveys import sms

    cache.clear()
    sms.SENT.clear()
