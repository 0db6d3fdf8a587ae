"""The `num` filter prints what the template it replaced printed, for every number."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from osteofys.web.records.templatetags.numbers import num

# The include it replaced (includes/num.html), kept here as the oracle.
TEMPLATE_VERSION = Template(
    '{% with a=v|floatformat:"2" b=v|floatformat:"1"|add:"0" %}'
    '{% if a == b %}{{ v|floatformat:"-1" }}{% else %}{{ a }}{% endif %}{% endwith %}'
)

numbers = st.one_of(
    # Measurements have at most a few decimals; floatformat prints a float like 1e-178 as is.
    st.floats(min_value=-100_000, max_value=100_000, allow_nan=False).map(lambda f: round(f, 6)),
    st.decimals(min_value=-100_000, max_value=100_000, places=3, allow_nan=False),
    st.integers(min_value=-100_000, max_value=100_000),
)


@pytest.mark.parametrize(
    ("value", "danish", "english"),
    [
        (12.5, "12,5", "12.5"),
        (12.0, "12", "12"),
        (0.25, "0,25", "0.25"),
        (13.456, "13,46", "13.46"),
        (-1.5, "-1,5", "-1.5"),
        (Decimal("2.005"), "2,01", "2.01"),
        (-0.001, "0", "0"),
        (1.999, "2", "2"),
        (1234.5, "1234,5", "1234.5"),
        (None, "", ""),
        ("unable", "", ""),
    ],
)
def test_examples(value: Any, danish: str, english: str) -> None:
    with translation.override("da"):
        assert num(value) == danish
    with translation.override("en"):
        assert num(value) == english


@settings(max_examples=400, deadline=None)
@given(value=numbers, language=st.sampled_from(["da", "en"]))
def test_same_as_the_template_it_replaced(value: Any, language: str) -> None:
    """One difference on purpose: a value within 0.005 of a whole number but not whole (1.999,
    2.001) printed as "2,0" from the template; `num` prints "2", like every other whole number."""
    with translation.override(language):
        expected = TEMPLATE_VERSION.render(Context({"v": value}))
        assert num(value) == expected.removesuffix(",0").removesuffix(".0")
