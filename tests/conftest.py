"""Shared test set-up: plain static storage (no collectstatic in tests) and the personas."""

from __future__ import annotations

import ipaddress
import socket

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
    settings.OPENITA_PORTAL_LOCAL_ENTRIES = 0  # nothing of one test's pages in the next
    from django.core.cache import cache

    from openita.surveys import sms

    cache.clear()
    sms.SENT.clear()


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_place(settings, tmp_path):
    """Stored evidence goes to the test's own folder, and background tasks run as soon as
    their transaction commits, in the test's thread (Celery's eager mode)."""
    from openita.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


_REAL_GETADDRINFO = socket.getaddrinfo


def _loopback_only(host, *args, **kwargs):
    """Tests send traffic to this machine only: a name that is not a loopback address or
    ``localhost`` is not looked up (the lookup itself would leave the machine)."""
    name = host.decode() if isinstance(host, bytes) else str(host or "")
    try:
        loopback = ipaddress.ip_address(name.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        loopback = name.lower() in ("localhost", "localhost.localdomain")
    if not loopback:
        raise socket.gaierror(socket.EAI_NONAME, f"tests do not look up {name!r}")
    return _REAL_GETADDRINFO(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_lookups_off_this_machine(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only)
