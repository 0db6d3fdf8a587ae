"""Account security: the two-factor bypass, account administration by clinic admins, revoked
sessions, and the security events in the access log (issue 12)."""

from __future__ import annotations

import csv
import io
import re
from base64 import b32decode
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from osteofys.web.accounts import services, tokens
from osteofys.web.accounts.models import Clinic, Profile, Role
from osteofys.web.audit.models import AuditEntry
from osteofys.web.audit.selectors import chain_verify
from tests.web.conftest import PASSWORD, make_clinic, make_user, signed_in
from tests.web.installation import Browser, installation, start_server


def _code(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(6)


def _login(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _with_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="OsteoFys", confirmed=True)
    return device


def _events(user: User) -> list[tuple[str, str]]:
    """(action, detail) of the access-log entries about `user`, oldest first."""
    rows = AuditEntry.objects.filter(object_type="user", object_id=user.pk).order_by("seq")
    return list(rows.values_list("action", "detail"))


def _signed_out(client: Client) -> bool:
    response = client.get(reverse("records:patient_list"))
    return response.status_code == 302 and "/konto/login/" in response["Location"]


# --- item 1: the two-factor bypass, over HTTP against the real server --------------------------


def _code_from_secret(page: str) -> str:
    """The current code for the key the enrolment page shows (as an authenticator app would)."""
    match = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
    assert match, "the enrolment page shows the key"
    secret = match.group(1).replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return str(totp(key)).zfill(6)


def test_the_password_alone_cannot_remove_or_replace_a_two_factor_device(tmp_path: Path) -> None:
    """The red team's sequence: log in with the password → the session is pending at the code
    page → POST the removal with the page's CSRF token → enrol a new secret → signed in."""
    with installation("sqlite", tmp_path) as site:
        server = start_server(site, tmp_path / "serve.log")
        try:
            owner = Browser(server.base)
            owner.get("/konto/setup/")
            fields = {"clinic_name": "Fysio Øst", "full_name": "Åse Ærø", "username": "aase"}
            status, _, body = owner.post(
                "/konto/setup/", {**fields, "password1": PASSWORD, "password2": PASSWORD}
            )
            assert status == 302, body[:1000]
            # The owner turns two-factor login on (the clinic does not require it).
            _, _, page = owner.get("/konto/to-faktor/")
            status, _, _ = owner.post("/konto/to-faktor/", {"code": _code_from_secret(page)})
            assert status == 302
            assert site.query("SELECT count(*) FROM otp_totp_totpdevice WHERE confirmed")[0][0] == 1

            attacker = Browser(server.base)
            attacker.get("/konto/login/")
            status, location, _ = attacker.post(
                "/konto/login/", {"username": "aase", "password": PASSWORD}
            )
            assert (status, location) == (302, "/konto/to-faktor/")
            status, _, page = attacker.get("/konto/to-faktor/")
            assert status == 200
            assert "<svg" not in page  # asked for the code, not offered a new secret
            status, location, _ = attacker.post("/konto/to-faktor/fjern/", {})
            assert (status, location) == (302, "/konto/to-faktor/")
            devices = site.query("SELECT count(*) FROM otp_totp_totpdevice WHERE confirmed")
            assert devices[0][0] == 1, "the device survived"
            status, _, page = attacker.get("/konto/to-faktor/")
            assert "<svg" not in page
            assert 'class="secret"' not in page
            for path in ("/", "/konto/tokens/", "/konto/adgangskode/", "/api/v1/patients"):
                status, location, _ = attacker.get(path)
                assert (status, location) == (302, "/konto/to-faktor/"), path
        finally:
            server.stop()


# --- item 1: removal needs a verified session and a code or the password -----------------------


def test_removal_needs_a_session_that_gave_a_code(client: Client, clinic: Clinic) -> None:
    user = make_user(clinic, "karen")
    assert _login(client, "karen")["Location"] == reverse("records:patient_list")
    # An authenticator set up elsewhere after this session signed in (on another PC, say).
    _with_device(user)
    response = client.post(
        reverse("accounts:two_factor_remove"), {"password": PASSWORD}, follow=True
    )
    assert "Log ud og ind igen" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()


def test_removal_with_a_current_code(client: Client, clinic: Clinic) -> None:
    user = make_user(clinic, "karen")
    device = _with_device(user)
    _login(client, "karen")
    assert client.post(reverse("accounts:two_factor"), {"code": _code(device)}).status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same 30 s window again
    device.refresh_from_db()
    client.post(reverse("accounts:two_factor_remove"), {"code": _code(device)})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _events(user)[-2:] == [("login", ""), ("update", "2fa_off")]


def test_a_pending_session_reaches_only_the_code_page_and_logout(
    client: Client, clinic: Clinic
) -> None:
    user = make_user(clinic, "karen")
    _with_device(user)
    _login(client, "karen")
    for name in ("accounts:two_factor_remove", "accounts:token_list", "accounts:password_change"):
        response = client.post(reverse(name), {"password": PASSWORD})
        assert response["Location"] == reverse("accounts:two_factor"), name
    assert client.get(reverse("accounts:two_factor")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_an_admin_resets_a_colleagues_two_factor_and_their_sessions_end(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    colleague = make_user(clinic, "karen")
    _with_device(colleague)
    theirs = signed_in(Client(), colleague)
    assert theirs.get(reverse("records:patient_list")).status_code == 200
    signed_in(client, admin_user)
    url = reverse("accounts:user_two_factor_reset", args=[colleague.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert _signed_out(theirs)
    entry = AuditEntry.objects.filter(object_id=colleague.pk, detail="2fa_reset").get()
    assert entry.user_id == admin_user.pk
    # One's own two-factor login is removed on one's own page, with a code or the password.
    own = reverse("accounts:user_two_factor_reset", args=[admin_user.pk])
    assert client.post(own).status_code == 404


# --- passwords -----------------------------------------------------------------------------------


def test_changing_ones_password_ends_other_sessions_and_api_tokens(
    client: Client, clinic: Clinic
) -> None:
    user = make_user(clinic, "karen")
    elsewhere = signed_in(Client(), user)
    issued = tokens.api_token_create(user=user, name="journal")
    signed_in(client, user)
    url = reverse("accounts:password_change")
    new = "Nyt-kodeord-2026!"
    wrong = client.post(
        url, {"old_password": "forkert", "new_password1": new, "new_password2": new}
    )
    assert wrong.status_code == 200
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    done = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(new)
    assert client.get(reverse("records:patient_list")).status_code == 200  # this session stays
    assert _signed_out(elsewhere)
    assert tokens.api_token_user(issued.secret) is None
    assert ("update", "password") in _events(user)
    revoked = AuditEntry.objects.filter(
        object_type="api_token", object_id=issued.token.pk
    ).order_by("seq")
    assert list(revoked.values_list("action", "detail")) == [("create", ""), ("update", "revoked")]


def test_a_temporary_password_must_be_changed_at_the_next_login(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    colleague = make_user(clinic, "karen")
    theirs = signed_in(Client(), colleague)
    signed_in(client, admin_user)
    page = client.post(reverse("accounts:user_password_reset", args=[colleague.pk]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    match = re.search(r'<code class="secret">([^<]+)</code>', page.content.decode())
    assert match
    temporary = match.group(1)
    assert _signed_out(theirs)

    fresh = Client()
    assert _login(fresh, "karen", temporary).status_code == 302
    blocked = fresh.get(reverse("records:patient_list"))
    assert blocked["Location"] == reverse("accounts:password_change")
    assert "midlertidig adgangskode" in fresh.get(blocked["Location"]).content.decode()
    new = "Mit-eget-kodeord-9"
    fresh.post(
        reverse("accounts:password_change"),
        {"old_password": temporary, "new_password1": new, "new_password2": new},
    )
    assert fresh.get(reverse("records:patient_list")).status_code == 200
    assert not Profile.objects.get(user=colleague).must_change_password
    assert [e for e in _events(colleague) if e[0] == "update"] == [
        ("update", "password_temp"),
        ("update", "password"),
    ]


# --- lockout -------------------------------------------------------------------------------------


def test_an_admin_sees_who_is_locked_out_and_unlocks_them(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    colleague = make_user(clinic, "karen")
    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(stranger, "karen", "forkert")
    assert _login(stranger, "karen").status_code == 429
    signed_in(client, admin_user)
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert "låst ude" in listing
    assert client.post(reverse("accounts:user_unlock", args=[colleague.pk])).status_code == 302
    assert "låst ude" not in client.get(reverse("accounts:user_list")).content.decode()
    assert _login(Client(), "karen").status_code == 302
    actions = [action for action, _ in _events(colleague)]
    assert actions.count("login_fail") == settings.AXES_FAILURE_LIMIT - 1
    assert "lockout" in actions
    assert ("update", "unlocked") in _events(colleague)
    assert actions[-1] == "login"


# --- item 8: the last admin ----------------------------------------------------------------------


def _edit(client: Client, user: User, **changes: Any) -> Any:
    data = {"full_name": user.first_name, "role": user.profile.role, "active": "on", **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("accounts:user_edit", args=[user.pk]), data)


def test_the_last_admin_cannot_demote_themselves(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    signed_in(client, admin_user)
    refused = _edit(client, admin_user, role=Role.CLINICIAN)
    assert refused.status_code == 200
    assert "mindst én aktiv klinikadministrator" in refused.content.decode()
    assert Profile.objects.get(user=admin_user).role == Role.ADMIN
    # An inactive admin is no administrator.
    former = make_user(clinic, "tidligere", Role.ADMIN)
    services.user_update(user=former, full_name="", role=Role.ADMIN, active=False)
    assert _edit(client, admin_user, role=Role.CLINICIAN).status_code == 200
    assert Profile.objects.get(user=admin_user).role == Role.ADMIN
    # With another active admin it is allowed, and logged.
    make_user(clinic, "anden", Role.ADMIN)
    assert _edit(client, admin_user, role=Role.CLINICIAN).status_code == 302
    assert Profile.objects.get(user=admin_user).role == Role.CLINICIAN
    assert ("update", "role") in _events(admin_user)


def test_the_service_refuses_to_leave_a_clinic_without_an_admin(
    clinic: Clinic, admin_user: User
) -> None:
    with pytest.raises(services.LastAdminError):
        services.user_update(user=admin_user, full_name="", role=Role.ADMIN, active=False)


# --- sessions that must not come back ------------------------------------------------------------


def test_reactivating_a_user_does_not_bring_back_their_old_sessions(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    colleague = make_user(clinic, "karen")
    theirs = signed_in(Client(), colleague)
    assert theirs.get(reverse("records:patient_list")).status_code == 200
    signed_in(client, admin_user)
    _edit(client, colleague, active=None)  # unticked: deactivated
    _edit(client, colleague)  # ticked again: reactivated
    assert User.objects.get(pk=colleague.pk).is_active
    assert _signed_out(theirs)
    assert _login(Client(), "karen").status_code == 302  # a new login works
    assert [d for a, d in _events(colleague) if a == "update"] == ["deactivated", "activated"]


def test_a_deactivated_clinic_locks_out_its_users_and_tokens(client: Client, db: Any) -> None:
    other = make_clinic("Træningscenter Syd")
    user = make_user(other, "sofie")
    issued = tokens.api_token_create(user=user, name="udtræk")
    theirs = signed_in(Client(), user)
    services.clinic_set_active(other, active=False)
    assert _signed_out(theirs)
    assert _login(client, "sofie").status_code == 200  # the login form again
    assert tokens.api_token_user(issued.secret) is None
    services.clinic_set_active(other, active=True)
    assert _signed_out(theirs)  # not back on reactivation
    assert _login(Client(), "sofie").status_code == 302
    assert tokens.api_token_user(issued.secret) is not None


# --- security events in the access log -----------------------------------------------------------


def test_security_events_are_in_the_chain_the_page_and_the_csv(
    client: Client, clinic: Clinic, admin_user: User
) -> None:
    colleague = make_user(clinic, "karen")
    _login(Client(), "karen", "forkert")
    device = _with_device(colleague)
    pending = Client()
    _login(pending, "karen")
    wrong = "000000" if _code(device) != "000000" else "111111"
    pending.post(reverse("accounts:two_factor"), {"code": wrong})
    signed_in(client, admin_user)
    client.post(reverse("accounts:clinic_security"), {"require_two_factor": "on"})
    page = client.get(reverse("audit:entry_list"), {"object_type": "user"}).content.decode()
    for text in ("Mislykket login", "forkert adgangskode", "forkert to-faktor-kode", "Bruger"):
        assert text in page, text
    assert "karen" in page  # the user an event is about is named
    export = client.get(reverse("audit:entry_export"), {"action": "login_fail"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {(r["object_type"], r["detail"]) for r in rows} == {
        ("user", "password_wrong"),
        ("user", "code_wrong"),
    }
    clinic_events = AuditEntry.objects.filter(object_type="clinic", detail="2fa_required")
    assert clinic_events.get().user_id == admin_user.pk
    assert chain_verify().intact


def test_setup_and_clinic_creation_are_logged_in_the_new_clinic(db: Any) -> None:
    first = services.clinic_setup(clinic_name="Fysio Ø", username="a", password="x" * 12)
    made = services.clinic_create(name="Center Å", admin_username="bo")
    for clinic_id in (first.profile.clinic_id, made.clinic.pk):
        kinds = AuditEntry.objects.filter(clinic_id=clinic_id).values_list("object_type", "action")
        assert ("clinic", "create") in list(kinds)
        assert ("user", "create") in list(kinds)
    assert Profile.objects.get(user=made.admin).must_change_password
    assert made.admin.check_password(made.temporary_password)
