"""How the drawings look: the colours, the dash of a motion arc and the painting order."""

from __future__ import annotations

INK = "#1b2430"  # the figure (near side)
INK_FAR = "#7f8c98"  # far-side limbs
ACCENT = "#d9480f"  # the moving limbs (near side)
ACCENT_FAR = "#f0a57f"  # the moving limbs (far side)
PROP_LINE = "#56626d"
PROP_FILL = "#e7ecef"
PROP_DARK = "#3d4852"
PROP_MID = "#c9d2d9"
PROP_FAR = "#9aa6b0"
PROP_PALE = "#b5c0c8"
MAT_FILL = "#cfe2ea"
BAND = "#2f7d5b"
BAND_FAR = "#8dbfa6"
LABEL = "#4d5966"
WHITE = "#ffffff"

ARC_DASH = ' stroke-dasharray="5 4.5"'

# Layers, painted in this order.
BACK, FAR_PROP, FAR, MID, BODY, NEAR_LEG, NEAR_PROP, NEAR, TOP = range(9)
