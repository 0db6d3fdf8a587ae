"""Plane geometry in cm: points, absolute segment angles and a bounding box.

The floor is y = 0 and y points up. An absolute segment angle is measured from straight down,
positive towards the front (counter-clockwise when the figure faces right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


def direction(deg: float) -> Point:
    """Unit vector of an absolute segment angle (0 = down, 90 = forward/right)."""
    r = math.radians(deg)
    return (math.sin(r), -math.cos(r))


def add(p: Point, *vs: tuple[float, Point]) -> Point:
    """`p` plus the sum of k·v over the (k, v) pairs."""
    x, y = p
    for k, v in vs:
        x += k * v[0]
        y += k * v[1]
    return (x, y)


def sub(a: Point, b: Point) -> Point:
    return (a[0] - b[0], a[1] - b[1])


def bearing(v: Point) -> float:
    """Absolute angle of a vector (the inverse of `direction`)."""
    return math.degrees(math.atan2(v[0], -v[1]))


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def unit(a: Point, b: Point) -> Point:
    """Unit vector from b to a."""
    d = distance(b, a) or 1.0
    return ((a[0] - b[0]) / d, (a[1] - b[1]) / d)


def rotate(p: Point, deg: float) -> Point:
    r = math.radians(deg)
    c, s = math.cos(r), math.sin(r)
    return (p[0] * c - p[1] * s, p[0] * s + p[1] * c)


def wrap_degrees(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


@dataclass
class Box:
    x0: float = math.inf
    y0: float = math.inf
    x1: float = -math.inf
    y1: float = -math.inf

    def add(self, p: Point, pad: float = 0.0) -> None:
        self.x0 = min(self.x0, p[0] - pad)
        self.x1 = max(self.x1, p[0] + pad)
        self.y0 = min(self.y0, p[1] - pad)
        self.y1 = max(self.y1, p[1] + pad)

    def union(self, other: Box) -> None:
        self.add((other.x0, other.y0))
        self.add((other.x1, other.y1))
