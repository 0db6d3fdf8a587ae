"""Access protection: login lockout, idle session expiry, two-factor login, production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts import middleware
from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_user, signed_in

PASSWORD = "korrekt-hest-batteri"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.fixture
def clinician(clinic: Clinic) -> User:
    user = make_user(clinic, "karen")
    user.set_password(PASSWORD)
    user.save()
    return user


def _code(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(6)


# --- lockout -------------------------------------------------------------------------------------


def test_login_locks_after_the_failure_limit_with_a_danish_message(
    client: Client, clinician: User
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "karen", "forkert").status_code == 200
    locked = _login(client, "karen", "forkert")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Login er spærret midlertidigt" in text
    assert f"{settings.AXES_FAILURE_LIMIT} gange" in text
    # Locked means locked: the right password does not get in until the cool-off has passed.
    again = _login(client, "karen", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_a_success_resets_the_count(
    client: Client, clinic: Clinic, clinician: User
) -> None:
    other = make_user(clinic, "ole")
    other.set_password(PASSWORD)
    other.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "karen", "forkert")
    assert _login(Client(), "ole", PASSWORD).status_code == 302

    fresh = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(fresh, "ole", "forkert")
    assert _login(fresh, "ole", PASSWORD).status_code == 302
    # The count started again after the success: one more failure does not lock.
    assert _login(Client(), "ole", "forkert").status_code == 200


# --- idle expiry ---------------------------------------------------------------------------------


def test_a_deactivated_user_is_signed_out_at_the_next_request(
    client: Client, clinician: User
) -> None:
    """The session backend loads the user together with the clinic; it must still refuse a
    user an admin has deactivated, in the middle of their session."""
    assert _login(client, "karen", PASSWORD).status_code == 302
    assert client.get(reverse("records:patient_list")).status_code == 200
    User.objects.filter(pk=clinician.pk).update(is_active=False)
    response = client.get(reverse("records:patient_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_user_moved_out_of_every_clinic_sees_nothing(client: Client, clinician: User) -> None:
    assert _login(client, "karen", PASSWORD).status_code == 302
    clinician.profile.delete()
    assert client.get(reverse("records:patient_list")).status_code == 404


def test_an_idle_session_ends_and_the_login_page_says_why(client: Client, clinician: User) -> None:
    signed_in(client, clinician)
    assert client.get(reverse("records:patient_list")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("records:patient_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    page = client.get(response["Location"]).content.decode()
    idle = int(settings.IDLE_TIMEOUT.total_seconds() // 60)
    assert f"logget ud efter {idle} minutter uden aktivitet" in page


def test_activity_renews_the_session_at_most_once_a_minute(
    client: Client, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_900_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])
    signed_in(client, clinician)
    key = client.session.session_key

    def expiry() -> Any:
        return Session.objects.get(session_key=key).expire_date

    client.get(reverse("records:patient_list"))  # renews: the fixture's "seen" is real time
    first = expiry()
    now[0] += 30
    client.get(reverse("records:patient_list"))
    assert expiry() == first  # within the minute: no write
    now[0] += 31
    client.get(reverse("records:patient_list"))
    assert expiry() > first
    assert settings.IDLE_TIMEOUT.total_seconds() == settings.SESSION_COOKIE_AGE


# --- two-factor login ----------------------------------------------------------------------------


def test_a_clinic_that_requires_two_factor_sends_users_through_setup_then_asks_for_codes(
    client: Client, clinic: Clinic, clinician: User
) -> None:
    Clinic.objects.filter(pk=clinic.pk).update(require_two_factor=True)
    response = _login(client, "karen", PASSWORD)
    assert response["Location"] == reverse("accounts:two_factor")
    # Password alone does not open patient data.
    blocked = client.get(reverse("records:patient_list"))
    assert blocked.status_code == 302
    assert blocked["Location"] == reverse("accounts:two_factor")

    url = reverse("accounts:two_factor")
    setup = client.get(url).content.decode()
    assert "<svg" in setup  # the QR code, drawn inline (no external service)
    assert "Klinikken kræver to-faktor-login" in setup
    device = TOTPDevice.objects.get(user=clinician)
    assert not device.confirmed

    wrong = "000000" if _code(device) != "000000" else "111111"
    assert "Koden passer ikke" in client.post(url, {"code": wrong}).content.decode()
    # django-otp slows guessing down: right after a wrong code even the right one waits.
    throttled = client.post(url, {"code": _code(device)}).content.decode()
    assert "For mange forkerte koder" in throttled
    assert "Koden er 6 cifre" in client.post(url, {"code": "12ab"}).content.decode()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    done = client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    assert done.status_code == 302
    assert client.get(reverse("records:patient_list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # Next login: the code, not the QR code.
    client.post(reverse("accounts:logout"))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # allow the same 30 s window
    assert _login(client, "karen", PASSWORD)["Location"] == reverse("accounts:two_factor")
    ask = client.get(reverse("accounts:two_factor")).content.decode()
    assert "<svg" not in ask
    device.refresh_from_db()
    assert client.post(reverse("accounts:two_factor"), {"code": _code(device)}).status_code == 302
    assert client.get(reverse("records:patient_list")).status_code == 200


def test_without_a_requirement_two_factor_is_optional_and_can_be_removed(
    client: Client, clinic: Clinic, clinician: User
) -> None:
    assert _login(client, "karen", PASSWORD)["Location"] == reverse("records:patient_list")
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=clinician)
    client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    assert TOTPDevice.objects.get(user=clinician).confirmed

    # Removing asks once more: without a code or the password nothing happens.
    bare = client.post(reverse("accounts:two_factor_remove"))
    assert bare.status_code == 400
    assert "Skriv en kode fra appen eller din adgangskode" in bare.content.decode()
    wrong = client.post(reverse("accounts:two_factor_remove"), {"password": "forkert"})
    assert "Adgangskoden er forkert" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=clinician, confirmed=True).exists()
    client.post(reverse("accounts:two_factor_remove"), {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=clinician).exists()

    Clinic.objects.filter(pk=clinic.pk).update(require_two_factor=True)
    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=clinician)
    client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    refused = client.post(
        reverse("accounts:two_factor_remove"), {"password": PASSWORD}, follow=True
    )
    assert "kan ikke slås fra" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=clinician, confirmed=True).exists()


def test_only_a_clinic_admin_can_require_two_factor(
    client: Client, clinic: Clinic, admin_user: User, clinician: User
) -> None:
    signed_in(client, clinician)
    url = reverse("accounts:clinic_security")
    assert client.post(url, {"require_two_factor": "on"}).status_code == 404
    clinic.refresh_from_db()
    assert not clinic.require_two_factor

    signed_in(client, admin_user)
    assert client.post(url, {"require_two_factor": "on"}).status_code == 302
    clinic.refresh_from_db()
    assert clinic.require_two_factor


# --- production settings -------------------------------------------------------------------------


def test_local_use_keeps_plain_http_cookies() -> None:
    # On this computer (the default), the browser talks plain HTTP to 127.0.0.1.
    assert not settings.DEPLOY
    assert not settings.SESSION_COOKIE_SECURE


def test_check_deploy_is_clean_when_reached_over_the_network(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OSTEOFYS_DATA_DIR": str(tmp_path),
        "OSTEOFYS_ALLOWED_HOSTS": "osteofys.klinik.example",
    }
    env.pop("OSTEOFYS_DEPLOY", None)
    env.pop("OSTEOFYS_DEBUG", None)
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

    shown = _manage(env, "diffsettings").stdout
    for line in ("SESSION_COOKIE_SECURE = True", "CSRF_COOKIE_SECURE = True", "DEPLOY = True"):
        assert line in shown


def _manage(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "osteofys.cli", "manage", *arguments]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_page_forbids_inline_and_foreign_scripts(logged_in: Client) -> None:
    response = logged_in.get(reverse("records:patient_list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # base.html has no inline script left for the policy to block.
    assert "<script>" not in response.content.decode()
