"""The SVG canvas of one panel: shapes by layer, in cm, y flipped on output."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from osteofys.illustrations.geometry import Box, Point, add, sub, unit
from osteofys.illustrations.style import ACCENT, PROP_FILL, PROP_LINE, TOP


def num(v: float) -> str:
    """A coordinate with one decimal, without a trailing '.0' or a negative zero."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def coords(pts: Iterable[Point]) -> str:
    return " ".join(f"{num(x)},{num(-y)}" for x, y in pts)


@dataclass
class Canvas:
    """SVG elements of one panel, by layer, and the box they cover."""

    items: list[tuple[int, int, str]] = field(default_factory=list)
    box: Box = field(default_factory=Box)

    def _put(self, layer: int, svg: str, pts: Iterable[Point], pad: float) -> None:
        for p in pts:
            self.box.add(p, pad)
        self.items.append((layer, len(self.items), svg))

    def line(
        self, layer: int, pts: list[Point], *, width: float, color: str, extra: str = ""
    ) -> None:
        self._put(
            layer,
            f'<polyline points="{coords(pts)}" fill="none" stroke="{color}"'
            f' stroke-width="{num(width)}" stroke-linecap="round" stroke-linejoin="round"'
            f"{extra}/>",
            pts,
            width / 2,
        )

    def poly(
        self,
        layer: int,
        pts: list[Point],
        *,
        fill: str,
        stroke: str,
        width: float,
        smooth: bool = False,
    ) -> None:
        if smooth:  # quadratic curves through the edge midpoints: a rounded outline
            n = len(pts)
            mids = [add(pts[i], (0.5, sub(pts[(i + 1) % n], pts[i]))) for i in range(n)]
            d = f"M{num(mids[-1][0])},{num(-mids[-1][1])}"
            for p, m in zip(pts, mids, strict=True):
                d += f" Q{num(p[0])},{num(-p[1])} {num(m[0])},{num(-m[1])}"
            shape = f'<path d="{d}Z"'
        else:
            shape = f'<polygon points="{coords(pts)}"'
        self._put(
            layer,
            f'{shape} fill="{fill}" stroke="{stroke}" stroke-width="{num(width)}"'
            ' stroke-linejoin="round"/>',
            pts,
            width / 2,
        )

    def rect(
        self,
        layer: int,
        corner: Point,
        size: Point,
        *,
        fill: str = PROP_FILL,
        stroke: str = PROP_LINE,
        width: float = 2.5,
        r: float = 1.5,
    ) -> None:
        (x, y), (w, h) = corner, size
        self._put(
            layer,
            f'<rect x="{num(x)}" y="{num(-(y + h))}" width="{num(w)}" height="{num(h)}"'
            f' rx="{num(r)}" fill="{fill}" stroke="{stroke}" stroke-width="{num(width)}"/>',
            [(x, y), (x + w, y + h)],
            width / 2,
        )

    def circle(
        self, layer: int, c: Point, r: float, *, fill: str, stroke: str = "", width: float = 0.0
    ) -> None:
        stroke_attr = f' stroke="{stroke}" stroke-width="{num(width)}"' if width else ""
        self._put(
            layer,
            f'<circle cx="{num(c[0])}" cy="{num(-c[1])}" r="{num(r)}" fill="{fill}"{stroke_attr}/>',
            [c],
            r + width / 2,
        )

    def arrowhead(self, a: Point, b: Point, size: float, color: str = ACCENT) -> None:
        """A filled arrowhead at `b`, pointing from `a` to `b`."""
        u = unit(b, a)
        n = (-u[1], u[0])
        tip = add(b, (size * 0.6, u))
        back = add(tip, (-size, u))
        wing = size * 0.55
        pts = [tip, add(back, (wing, n)), add(back, (-wing, n))]
        self.poly(TOP, pts, fill=color, stroke=color, width=1.0)

    def svg(self) -> str:
        return "".join(s for _, _, s in sorted(self.items))
