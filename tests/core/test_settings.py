"""Settings read from the environment: production refuses to start without a shared key and
defaults to HTTPS only; the embedded demo works out of the box over plain http.

Settings are read once, when the module is imported, so each case starts a fresh Python
with exactly the environment it describes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in [
    "OPENITA_ENV", "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS"]}
    | {"OPENITA_TRUSTED_PROXIES": [str(n) for n in settings.OPENITA_TRUSTED_PROXIES]}))
"""
POSTGRES = "postgres://postgres@127.0.0.1:5432/openita_settings_test"  # never contacted


def _start(data_dir: Path, command: list[str] | None = None, **env: str
           ) -> subprocess.CompletedProcess:
    """A new process with only these variables (and PATH), as a server would start."""
    environ = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "openita.settings",
               "OPENITA_DATA_DIR": str(data_dir), **env}
    return subprocess.run(command or [sys.executable, "-c", PRINT_SETTINGS], env=environ,
                          cwd=data_dir, capture_output=True, text=True, timeout=120)


def _settings(data_dir: Path, **env: str) -> dict:
    started = _start(data_dir, **env)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


def _key() -> str:
    return secrets.token_urlsafe(50)


@pytest.mark.parametrize("env", [{"OPENITA_ENV": "production"},
                                 {"DATABASE_URL": POSTGRES},
                                 {"OPENITA_ENV": "production", "SECRET_KEY": "  "}],
                         ids=["OPENITA_ENV", "server database", "blank key"])
def test_production_refuses_to_start_without_a_secret_key(tmp_path, env):
    started = _start(tmp_path, **env)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "every app server must share the same key" in started.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_embedded_demo_generates_its_key_into_the_data_directory_and_serves_http(
        tmp_path):
    first = _settings(tmp_path)
    assert first["OPENITA_ENV"] == "development"
    assert first["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert len(first["SECRET_KEY"]) >= 50
    assert _settings(tmp_path)["SECRET_KEY"] == first["SECRET_KEY"]  # kept, not renewed
    assert first["DEBUG"] is False
    assert first["SECURE_SSL_REDIRECT"] is False and first["SECURE_HSTS_SECONDS"] == 0
    assert first["SESSION_COOKIE_SECURE"] is False and first["CSRF_COOKIE_SECURE"] is False
    assert first["SECURE_PROXY_SSL_HEADER"] is None
    assert first["OPENITA_TRUSTED_PROXIES"] == []


def test_a_sqlite_database_url_is_still_the_embedded_mode(tmp_path):
    found = _settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert found["OPENITA_ENV"] == "development" and found["SECURE_SSL_REDIRECT"] is False


def test_postgresql_on_a_development_machine_may_say_so(tmp_path):
    found = _settings(tmp_path, DATABASE_URL=POSTGRES, OPENITA_ENV="development")
    assert found["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert found["SECURE_SSL_REDIRECT"] is False and found["SESSION_COOKIE_SECURE"] is False


def test_production_defaults_to_https_only(tmp_path):
    key = _key()
    found = _settings(tmp_path, DATABASE_URL=POSTGRES, SECRET_KEY=key)
    assert found["OPENITA_ENV"] == "production" and found["SECRET_KEY"] == key
    assert not (tmp_path / "secret_key").exists()
    assert found["DEBUG"] is False
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_PRELOAD"] is False  # the domain owner's decision
    assert found["SESSION_COOKIE_SECURE"] is True and found["CSRF_COOKIE_SECURE"] is True


def test_the_environment_sets_the_proxy_and_https_settings(tmp_path):
    found = _settings(
        tmp_path, OPENITA_ENV="production", SECRET_KEY=_key(), SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
        SECURE_HSTS_PRELOAD="yes", SECURE_COOKIES="0",
        OPENITA_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https",
        OPENITA_TRUSTED_PROXIES=" 10.0.0.5, 10.1.0.0/16,2001:db8::/64,",
        ALLOWED_HOSTS="ita.example.go.th, ")
    assert found["SECURE_SSL_REDIRECT"] is False and found["SECURE_HSTS_SECONDS"] == 600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert found["SECURE_HSTS_PRELOAD"] is True
    assert found["SESSION_COOKIE_SECURE"] is False and found["CSRF_COOKIE_SECURE"] is False
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["OPENITA_TRUSTED_PROXIES"] == ["10.0.0.5/32", "10.1.0.0/16", "2001:db8::/64"]
    assert found["ALLOWED_HOSTS"] == ["ita.example.go.th"]


def test_the_proxy_ssl_header_may_be_named_as_the_proxy_sends_it(tmp_path):
    found = _settings(tmp_path, OPENITA_PROXY_SSL_HEADER="X-Forwarded-Proto=https")
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(("env", "named"), [
    ({"OPENITA_TRUSTED_PROXIES": "10.0.0.5,nginx.internal"}, "'nginx.internal'"),
    ({"OPENITA_TRUSTED_PROXIES": "10.0.0.1/8"}, "'10.0.0.1/8'"),  # host bits: a typo?
    ({"OPENITA_TRUSTED_PROXIES": "10.0.0.0/33"}, "'10.0.0.0/33'"),
    ({"OPENITA_ENV": "prod"}, "OPENITA_ENV"),
    ({"SECURE_SSL_REDIRECT": "ture"}, "SECURE_SSL_REDIRECT"),
    ({"SECURE_HSTS_SECONDS": "1y"}, "SECURE_HSTS_SECONDS"),
    ({"OPENITA_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, "OPENITA_PROXY_SSL_HEADER"),
])
def test_a_mistyped_setting_stops_the_start_and_is_named(tmp_path, env, named):
    started = _start(tmp_path, **env)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr and named in started.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    command = [sys.executable, "-m", "openita.cli", "check", "--deploy", "--fail-level",
               "WARNING"]
    started = _start(tmp_path, command,
                     OPENITA_ENV="production", SECRET_KEY=_key(),
                     ALLOWED_HOSTS="ita.example.go.th", DATABASE_URL=POSTGRES,
                     OPENITA_TRUSTED_PROXIES="10.0.0.0/24")
    assert started.returncode == 0, started.stderr
    assert "no issues" in started.stdout


def test_check_deploy_warns_when_no_proxy_is_named(tmp_path):
    command = [sys.executable, "-m", "openita.cli", "check", "--deploy", "--fail-level",
               "WARNING"]
    started = _start(tmp_path, command,
                     OPENITA_ENV="production", SECRET_KEY=_key(),
                     ALLOWED_HOSTS="ita.example.go.th", DATABASE_URL=POSTGRES)
    assert started.returncode != 0
    assert "openita.core.W001" in started.stderr + started.stdout


@pytest.mark.parametrize("name", ["OPENITA_SMS_BUDGET_PER_HOUR", "OPENITA_INVITATIONS_PER_HOUR",
                                  "OPENITA_SESSION_IDLE_HOURS"])
def test_a_limit_that_is_not_a_number_stops_the_start_with_its_name(tmp_path, name):
    started = _start(tmp_path, **{name: "5k"})
    assert started.returncode != 0
    assert f"{name} must be a whole number, not '5k'" in started.stderr
