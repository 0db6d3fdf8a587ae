"""Counts for the summary of a screening run.

Totals, referrals by age band and sex, and citizens per risk factor. The command line turns them
into Danish or English text.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from osteofys.batch.referral import MASK
from osteofys.batch.screen import Screening

DECADE = 10
OLDEST_BAND = 90
"""Age bands are decades up to this age, then one open band (presentation only)."""


@dataclass(frozen=True)
class Summary:
    citizens: int
    refer: int
    refer_strong: int
    undecided: int
    not_referred: int
    already_known: int
    bands: tuple[str, ...]
    """Age bands: the first ends at the referral age (P10), then decades."""
    by_band: dict[str, dict[str, int]]
    """Referrals per age band, by sex."""
    factors: dict[str, tuple[int, int]]
    """Risk factor id -> (citizens with it, of whom referred)."""
    rejected: dict[str, int]
    rows_read: dict[str, int]


def band_edges(referral_age: float) -> list[int]:
    """Lower bounds of the age bands: 0, the referral age, then each decade to OLDEST_BAND."""
    first = int(referral_age)
    decades = range((first // DECADE + 1) * DECADE, OLDEST_BAND + 1, DECADE)
    return [0, first, *decades]


def band_names(edges: list[int]) -> list[str]:
    names = []
    for low, high in zip(edges, [*edges[1:], None], strict=True):
        if low == 0:
            names.append(f"<{high}")
        elif high is None:
            names.append(f"{low}+")
        else:
            names.append(f"{low}–{high - 1}")
    return names


def summarise(run: Screening, referral_age: float) -> Summary:
    table = run.table
    refer = pl.col("refer")
    edges = band_edges(referral_age)
    names = band_names(edges)
    band = pl.lit(names[0])
    for low, name in zip(edges[1:], names[1:], strict=True):
        band = pl.when(pl.col("age_years") >= low).then(pl.lit(name)).otherwise(band)
    counts = table.select(
        citizens=pl.len(),
        refer=(refer == True).sum(),  # noqa: E712 (null is undecided, not referred)
        refer_strong=((refer == True) & pl.col("strong")).sum(),  # noqa: E712
        undecided=refer.is_null().sum(),
        not_referred=(refer == False).sum(),  # noqa: E712
        already_known=pl.col("already_known").sum(),
    ).row(0, named=True)
    referred = table.filter(refer.fill_null(False)).with_columns(_band=band)
    cells = referred.group_by("_band", "sex").len()
    by_band: dict[str, dict[str, int]] = {name: {} for name in names}
    for row in cells.iter_rows(named=True):
        by_band[row["_band"]][row["sex"]] = int(row["len"])
    present = {rf: (pl.col(MASK) & (1 << i)) != 0 for i, rf in enumerate(run.factor_ids)}
    got = table.select(
        *[fired.sum().alias(f"all:{rf}") for rf, fired in present.items()],
        *[
            (fired & refer.fill_null(False)).sum().alias(f"ref:{rf}")
            for rf, fired in present.items()
        ],
    ).row(0, named=True)
    factors = {rf: (int(got[f"all:{rf}"]), int(got[f"ref:{rf}"])) for rf in run.factor_ids}
    return Summary(
        citizens=int(counts["citizens"]),
        refer=int(counts["refer"]),
        refer_strong=int(counts["refer_strong"]),
        undecided=int(counts["undecided"]),
        not_referred=int(counts["not_referred"]),
        already_known=int(counts["already_known"]),
        bands=tuple(names),
        by_band=by_band,
        factors=factors,
        rejected={s: int(f.height) for s, f in run.rejected.items()},
        rows_read=dict(run.rows_read),
    )
