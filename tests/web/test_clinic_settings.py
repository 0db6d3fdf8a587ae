"""The clinic settings page: name, contact details and logo, for the clinic admin only."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from osteofys.web.accounts.forms import LOGO_MAX_BYTES
from osteofys.web.accounts.models import Clinic, Role
from osteofys.web.audit.models import Action, AuditEntry, ObjectType
from tests.web.conftest import make_clinic, make_user, signed_in

pytestmark = pytest.mark.django_db

URL = "/konto/klinik/"
# A 2×1 PNG and a 4×2 JPEG (drawn by Chromium's canvas), both readable by typst.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd"
    "0000000d49444154789c63f8cf0004ff01070001ffe2239e590000000049454e44ae426082"
)
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AAB"
    "AAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFla"
    "AAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAA"
    "AChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBh"
    "cmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAc"
    "AEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQY"
    "GBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgo"
    "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAACAAQDASIAAhEBAxEB/8QAFQABAQAA"
    "AAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQb/xAAUEQEA"
    "AAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCRAHUw/9k="
)


def _post(client: Client, **extra: Any) -> Any:
    data = {
        "name": "Fysio Nord",
        "address": "Skolevej 7, 4000 Roskilde",
        "phone": "46 35 12 12",
        "email": "kontakt@fysionord.dk",
        **extra,
    }
    return client.post(URL, data)


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    return signed_in(client, admin_user)


def test_url_name_resolves() -> None:
    assert reverse("accounts:clinic_settings") == URL


def test_admin_sees_the_form_with_multipart_upload(admin_client: Client) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="logo_file"' in html
    assert 'style="' not in html.split("<main", 1)[1]


def test_admin_saves_contact_details_and_it_is_logged(admin_client: Client, clinic: Clinic) -> None:
    response = _post(admin_client)
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.address, clinic.phone, clinic.email) == (
        "Skolevej 7, 4000 Roskilde",
        "46 35 12 12",
        "kontakt@fysionord.dk",
    )
    entry = AuditEntry.objects.filter(clinic=clinic, object_type=ObjectType.CLINIC).last()
    assert entry is not None
    assert (entry.action, entry.object_id) == (Action.UPDATE, clinic.pk)


def test_unchanged_save_is_not_logged(admin_client: Client, clinic: Clinic) -> None:
    _post(admin_client)
    count = AuditEntry.objects.filter(object_type=ObjectType.CLINIC).count()
    _post(admin_client)
    assert AuditEntry.objects.filter(object_type=ObjectType.CLINIC).count() == count


def test_bad_email_names_the_field_and_keeps_the_input(admin_client: Client) -> None:
    response = _post(admin_client, email="ikke-en-adresse", phone="12 34 56 78")
    assert response.status_code == 200
    html = response.content.decode()
    assert "E-mail: skriv en gyldig adresse" in html
    assert 'value="12 34 56 78"' in html


def test_png_logo_is_stored_and_served(admin_client: Client, clinic: Clinic) -> None:
    upload = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    assert _post(admin_client, logo_file=upload).status_code == 302
    clinic.refresh_from_db()
    assert bytes(clinic.logo) == PNG
    assert clinic.logo_type == "image/png"
    served = admin_client.get(reverse("accounts:clinic_logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served.content == PNG


def test_jpeg_is_recognised_by_its_bytes_whatever_its_name(
    admin_client: Client, clinic: Clinic
) -> None:
    upload = SimpleUploadedFile("logo.gif", JPEG, content_type="image/gif")
    assert _post(admin_client, logo_file=upload).status_code == 302
    clinic.refresh_from_db()
    assert clinic.logo_type == "image/jpeg"


@pytest.mark.parametrize(
    "content",
    [b"GIF89a" + b"\x00" * 50, b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.7"],
)
def test_other_files_are_refused_even_named_png(
    admin_client: Client, clinic: Clinic, content: bytes
) -> None:
    upload = SimpleUploadedFile("logo.png", content, content_type="image/png")
    response = _post(admin_client, logo_file=upload, phone="11 22 33 44")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logo: filen er hverken PNG eller JPEG" in html
    assert 'value="11 22 33 44"' in html
    clinic.refresh_from_db()
    assert bytes(clinic.logo) == b""
    assert clinic.phone == ""


def test_too_big_logo_is_refused_naming_the_limit(admin_client: Client, clinic: Clinic) -> None:
    big = PNG + b"\x00" * LOGO_MAX_BYTES
    upload = SimpleUploadedFile("logo.png", big, content_type="image/png")
    response = _post(admin_client, logo_file=upload)
    assert response.status_code == 200
    assert "Højst 512 KB" in response.content.decode()
    clinic.refresh_from_db()
    assert bytes(clinic.logo) == b""


def test_logo_can_be_removed(admin_client: Client, clinic: Clinic) -> None:
    _post(admin_client, logo_file=SimpleUploadedFile("l.png", PNG, content_type="image/png"))
    assert "Fjern logoet" in admin_client.get(URL).content.decode()
    assert _post(admin_client, logo_remove="on").status_code == 302
    clinic.refresh_from_db()
    assert (bytes(clinic.logo), clinic.logo_type) == (b"", "")
    assert admin_client.get(reverse("accounts:clinic_logo")).status_code == 404


def test_clinician_is_refused(client: Client, user: User, clinic: Clinic) -> None:
    signed_in(client, user)
    assert client.get(URL).status_code in (403, 404)
    assert _post(client, name="Overtaget").status_code in (403, 404)
    clinic.refresh_from_db()
    assert clinic.name == "Fysio Nord"


def test_anonymous_is_sent_to_login(client: Client, clinic: Clinic) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/konto/login/" in response["Location"]
    assert client.get(reverse("accounts:clinic_logo")).status_code == 302


def test_another_clinic_admin_changes_only_their_own(admin_client: Client, clinic: Clinic) -> None:
    other = make_clinic("Klinik B")
    other_admin = make_user(other, "bo", Role.ADMIN)
    intruder = signed_in(Client(), other_admin)
    _post(admin_client, logo_file=SimpleUploadedFile("l.png", PNG, content_type="image/png"))
    page = intruder.get(URL).content.decode()
    assert "Skolevej 7" not in page
    assert intruder.get(reverse("accounts:clinic_logo")).status_code == 404
    _post(intruder, name="Klinik B", address="Bygade 2")
    clinic.refresh_from_db()
    other.refresh_from_db()
    assert clinic.address == "Skolevej 7, 4000 Roskilde"
    assert other.address == "Bygade 2"


def test_a_broken_file_that_starts_like_a_png_is_refused(
    admin_client: Client, clinic: Clinic
) -> None:
    upload = SimpleUploadedFile("logo.png", PNG[:20] + b"garbage", content_type="image/png")
    response = _post(admin_client, logo_file=upload)
    assert response.status_code == 200
    assert "Logo: billedet kan ikke læses" in response.content.decode()
    clinic.refresh_from_db()
    assert bytes(clinic.logo) == b""
