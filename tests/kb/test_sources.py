"""The source register (SPEC §0.3): canonical hosts only, retired sources never cited, and one
citation for every place that shows a source (issue 15, item 13)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from osteofys import kb
from osteofys.kb import Code
from osteofys.kb.loader import DATA_DIR, KnowledgeBase
from tests.kb.problems import edit, problems_at

RETIRED = {"S36": ["S34"], "S37": ["S34"], "S42": ["S41", "S39", "S40"]}
# Mirrors, aggregators, document-sharing sites and press copies the register once linked.
NEVER = ("scribd", "paperzz", "studylib", "docplayer", "trueviralnews", "researchgate", "pdfcoffee")


def hosts() -> set[str]:
    raw = tomllib.loads((DATA_DIR / "hosts.toml").read_text("utf-8"))
    return {h for names in raw.values() for h in names}


def test_every_source_url_is_on_an_allowed_host(shipped: KnowledgeBase) -> None:
    allowed = hosts()
    for sid, entry in shipped.raw["sources"].items():
        for url in [entry.get("url"), *entry.get("see_also", [])]:
            if url is not None:
                assert urlsplit(url).hostname in allowed, (sid, url)


def test_no_mirror_is_on_the_allow_list() -> None:
    for host in hosts():
        assert not any(bad in host for bad in NEVER), host
        assert ":" not in host, host
        assert "." in host, host


def test_the_retired_sources_keep_their_ids_and_name_their_replacements(
    shipped: KnowledgeBase,
) -> None:
    sources = shipped.raw["sources"]
    for sid, instead in RETIRED.items():
        assert sources[sid]["retired"] is True
        assert sources[sid]["replaced_by"] == instead
        assert "url" not in sources[sid]
        assert sid not in shipped.texts.sources


def test_articles_have_structured_citations(shipped: KnowledgeBase) -> None:
    s34 = shipped.raw["sources"]["S34"]
    assert s34["doi"] == "10.1136/bjsports-2021-104634"
    assert s34["pmid"] == "35577538"
    assert s34["year"] == 2022
    for sid in ("S39", "S40", "S44", "S46", "S47", "S49", "S53", "S54", "S56", "S57", "S58"):
        entry = shipped.raw["sources"][sid]
        for field in ("authors", "journal", "year"):
            assert entry[field], (sid, field)


def test_a_citation_gives_authors_title_journal_and_year(shipped: KnowledgeBase) -> None:
    s34 = shipped.texts.sources["S34"].citation
    assert s34.startswith(
        "Brooke-Wavell K, Skelton DA, Barker KL, et al. Strong, steady and straight"
    )
    assert "Br J Sports Med 2022;56(15):837–846." in s34
    assert s34.endswith("doi:10.1136/bjsports-2021-104634.")
    web = shipped.texts.sources["S01"].citation
    assert web == "Videnscenter for Knoglesundhed (VfK): Opdeling af patientgruppen"


# ------------------------------------------------------------------------------- the check


def test_a_mirror_url_is_refused(data: Path) -> None:
    edit(
        data / "sources.toml",
        'url = "https://link.springer.com/article/10.1007/s00198-013-2523-2"',
        'url = "https://www.scribd.com/document/262007549/Too-Fit-To-Fracture"',
    )
    problems_at(kb.check(data), Code.SOURCE_HOST, "sources.S39", "www.scribd.com")


def test_a_mirror_in_see_also_is_refused(data: Path) -> None:
    edit(
        data / "sources.toml",
        'see_also = ["https://eprints.keele.ac.uk/id/eprint/10791/"]',
        'see_also = ["https://www.researchgate.net/publication/360585312"]',
    )
    problems_at(kb.check(data), Code.SOURCE_HOST, "sources.S34", "www.researchgate.net")


def test_a_host_list_entry_must_be_a_plain_host_name(data: Path) -> None:
    edit(data / "hosts.toml", '"pmc.ncbi.nlm.nih.gov",', '"https://pmc.ncbi.nlm.nih.gov/",')
    problems_at(kb.check(data), Code.SOURCE_HOST, "hosts.pubmed")


def test_citing_a_retired_source_is_an_error(data: Path) -> None:
    edit(
        data / "thresholds.toml",
        'sources = ["S34"]\nnote = "About 50 moderate impacts',
        'sources = ["S36"]\nnote = "About 50 moderate impacts',
    )
    problems_at(kb.check(data), Code.RETIRED_SOURCE, "thresholds.impacts_per_session", "S36", "S34")


def test_a_retired_source_must_name_a_current_replacement(data: Path) -> None:
    edit(
        data / "sources.toml",
        'replaced_by = ["S34"]\nnote = "Was a clinic',
        'replaced_by = ["S36"]\nnote = "Was a clinic',
    )
    problems_at(kb.check(data), Code.RETIRED_SOURCE, "sources.S37", "S36")
