"""First-run setup: only from this computer as the app resolves the client (proxies included), and
only once, also when many setups arrive at the same moment (real server, SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.models import Clinic
from tests.web.conftest import PASSWORD
from tests.web.installation import (
    ENGINES,
    Browser,
    Installation,
    Server,
    installation,
    start_server,
)

SETUP = "/konto/setup/"
NETWORK = "203.0.113.50"  # TEST-NET-3: someone on the network, behind the same-host proxy
SERVER_KINDS = {"waitress": ("--workers", "1"), "gunicorn": ("--workers", "2")}
DONE_TEXT = "OsteoFys er allerede sat op"


def _form(name: str = "Fysio Syd", username: str = "aase") -> dict[str, str]:
    return {
        "clinic_name": name,
        "full_name": "Åse Admin",
        "username": username,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


# --- who counts as local (in-process: every combination of proxies and headers) ---------------

XFF = "HTTP_X_FORWARDED_FOR"


@pytest.mark.parametrize(
    ("trusted_proxies", "remote", "headers", "local"),
    [
        (0, "127.0.0.1", {}, True),
        (0, "::1", {}, True),
        (0, "192.0.2.10", {}, False),
        # A proxy nobody declared: REMOTE_ADDR is the proxy's, the client could be anyone.
        (0, "127.0.0.1", {XFF: "127.0.0.1"}, False),
        (0, "127.0.0.1", {"HTTP_FORWARDED": "for=127.0.0.1"}, False),
        (0, "127.0.0.1", {"HTTP_X_REAL_IP": "127.0.0.1"}, False),
        # The issue: a same-host proxy (declared) forwarding for the network.
        (1, "127.0.0.1", {XFF: NETWORK}, False),
        (1, "127.0.0.1", {XFF: "127.0.0.1"}, True),
        (1, "127.0.0.1", {}, True),  # a browser here, past the proxy
        # Entries left of the declared hops were written by the client and change nothing.
        (1, "127.0.0.1", {XFF: f"127.0.0.1, {NETWORK}"}, False),
        (1, "127.0.0.1", {XFF: f"{NETWORK}, 127.0.0.1"}, True),
        (1, "127.0.0.1", {XFF: "unknown"}, False),
        # Someone on the network talking to the server directly, pretending to be a proxy.
        (1, "192.0.2.10", {XFF: "127.0.0.1"}, False),
        # Two proxies declared: both and the client must be on this computer.
        (2, "127.0.0.1", {XFF: "127.0.0.1, 192.0.2.10"}, False),
        (2, "127.0.0.1", {XFF: "::1, 127.0.0.1"}, True),
        (2, "127.0.0.1", {XFF: "127.0.0.1"}, False),  # fewer hops than declared
        (1, "127.0.0.1", {"HTTP_X_REAL_IP": "127.0.0.1"}, False),  # not the header that is read
    ],
)
def test_setup_answers_only_when_the_resolved_client_and_every_proxy_are_this_computer(
    trusted_proxies: int,
    remote: str,
    headers: dict[str, str],
    local: bool,
    *,
    client: Client,
    settings: Any,
    db: Any,
) -> None:
    settings.AUDIT_TRUSTED_PROXIES = trusted_proxies
    url = reverse("accounts:setup")
    page = client.get(url, REMOTE_ADDR=remote, **headers)
    posted = client.post(url, _form(), REMOTE_ADDR=remote, **headers)
    assert page.status_code == (200 if local else 403)
    assert posted.status_code == (302 if local else 403)
    assert Clinic.objects.exists() == local


def test_a_finished_setup_answers_already_set_up_with_a_link_to_login(
    client: Client, db: Any
) -> None:
    url = reverse("accounts:setup")
    assert client.post(url, _form(), REMOTE_ADDR="127.0.0.1").status_code == 302
    for response in (
        client.get(url, REMOTE_ADDR="127.0.0.1"),
        client.post(url, _form("Anden klinik", "bo"), REMOTE_ADDR="127.0.0.1"),
    ):
        assert response.status_code == 404
        body = response.content.decode()
        assert DONE_TEXT in body
        assert f'href="{reverse("accounts:login")}"' in body
    assert Clinic.objects.count() == 1


# --- the real server behind a same-host proxy --------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Installation]:
    with installation("sqlite", tmp_path) as found:
        yield found


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_setup_behind_a_declared_same_host_proxy_refuses_the_network(
    kind: str, site: Installation, tmp_path: Path
) -> None:
    server = start_server(
        site,
        tmp_path / "server.log",
        serve_args=SERVER_KINDS[kind],
        env={"OSTEOFYS_TRUSTED_PROXIES": "1"},
    )
    try:
        browser = Browser(server.base)
        assert browser.get(SETUP)[0] == 200  # this computer, straight: allowed (and a CSRF cookie)
        browser.headers = {"X-Forwarded-For": NETWORK}
        status, _, body = browser.get(SETUP)
        assert status == 403, body[:300]
        assert "Opsætningen skal ske på serveren" in body
        assert browser.post(SETUP, _form())[0] == 403
        assert site.query("SELECT COUNT(*) FROM accounts_clinic") == [(0,)]
        # The proxy forwarding for a browser on this computer: setup works through it.
        browser.headers = {"X-Forwarded-For": "127.0.0.1"}
        status, location, _ = browser.post(SETUP, _form())
        assert (status, location) == (302, "/patienter/")
        assert site.query("SELECT name FROM accounts_clinic") == [("Fysio Syd",)]
    finally:
        server.stop()


# --- twelve setups at once ---------------------------------------------------------------------

RACERS = 12


def _race(server: Server) -> list[tuple[int, str, str]]:
    """Twelve browsers load the setup page, then post it at the same moment."""
    browsers = [Browser(server.base) for _ in range(RACERS)]
    for browser in browsers:
        assert browser.get(SETUP)[0] == 200
    start = threading.Barrier(RACERS)
    results: list[tuple[int, str, str] | BaseException] = [OSError("not run")] * RACERS

    def post(i: int) -> None:
        try:
            start.wait(30)
            results[i] = browsers[i].post(SETUP, _form(f"Klinik {i}", f"admin{i}"))
        except BaseException as exc:  # reported below, with the others' results
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for browser in browsers:
        browser.close()
    failed = [r for r in results if isinstance(r, BaseException)]
    assert not failed, failed
    return [r for r in results if not isinstance(r, BaseException)]


# Room for all twelve at the same time: gunicorn in two processes (so only the database can
# decide), waitress in one process with twelve threads.
RACE_SERVERS = {
    "gunicorn": ("--workers", "2", "--threads", "6"),
    "waitress": ("--workers", "1", "--threads", "12"),
}


@pytest.mark.parametrize("kind", RACE_SERVERS)
@pytest.mark.parametrize("engine", ENGINES)
def test_twelve_concurrent_setups_make_one_clinic_and_the_others_see_already_set_up(
    engine: str, kind: str, tmp_path: Path
) -> None:
    with installation(engine, tmp_path) as site:
        server = start_server(site, tmp_path / "server.log", serve_args=RACE_SERVERS[kind])
        try:
            results = _race(server)
        finally:
            server.stop()
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [302] + [404] * (RACERS - 1), (statuses, server.tail())
        for status, _, body in results:
            if status == 404:
                assert DONE_TEXT in body
        assert site.query("SELECT COUNT(*) FROM accounts_clinic") == [(1,)]
        assert site.query("SELECT COUNT(*) FROM auth_user") == [(1,)]
        assert site.query("SELECT COUNT(*) FROM accounts_profile") == [(1,)]
        assert site.query("SELECT COUNT(*) FROM accounts_setupdone") == [(1,)]
        # The one admin belongs to the one clinic, and it is the winner's.
        winner = next(i for i, (status, _, _) in enumerate(results) if status == 302)
        assert site.query(
            "SELECT u.username, c.name FROM auth_user u JOIN accounts_profile p ON p.user_id = u.id"
            " JOIN accounts_clinic c ON c.id = p.clinic_id"
        ) == [(f"admin{winner}", f"Klinik {winner}")]
