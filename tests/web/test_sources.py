"""Sources on the result panel and the patient page: each with its citation (authors, title,
journal, year) from the one owner, kb.explain.cited / Source.citation (issue 15, item 13)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from osteofys import kb
from osteofys.web.accounts.models import Clinic
from tests.web.conftest import make_patient
from tests.web.test_views import _assessment_post

pytestmark = pytest.mark.django_db

LIST = re.compile(r'<details class="source-list">(.*?)</details>', re.S)
ITEM = re.compile(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a> ([^<]+)</li>')
LINK = re.compile(r'<a href="([^"]+)" title="([^"]+)"[^>]*>(S\d\d|X\d\d)</a>')


def test_the_result_panel_lists_every_cited_source_with_its_citation(
    logged_in: Client, clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    url = reverse("records:assessment_live", kwargs={"patient_id": patient.pk})
    page = logged_in.post(url, _assessment_post(), HTTP_HX_REQUEST="true").content.decode()
    register = kb.load().texts.sources
    listed = LIST.search(page)
    assert listed, "the panel has no list of sources"
    items = ITEM.findall(listed.group(1))
    assert items
    for href, sid, citation in items:
        assert href == html.escape(register[sid].url)
        assert html.unescape(citation) == register[sid].citation
    # The reasons' links carry the same citation; the list holds each cited id once (the risk
    # factors of the referral box are listed there by name only, their sources here).
    links = LINK.findall(page)
    assert links
    for _, title, sid in links:
        assert html.unescape(title) == register[sid].citation
    assert {sid for _, _, sid in links} <= {sid for _, sid, _ in items}
    assert len(items) == len({sid for _, sid, _ in items})
