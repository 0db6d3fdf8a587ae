"""Body and furniture measures the figure and the props are built from, in cm."""

from __future__ import annotations

# Body measures in cm (a person of about 168 cm).
TRUNK_LOW, TRUNK_UP = 22.0, 28.0
NECK, HEAD_R = 9.0, 11.0
UPPER_ARM, FOREARM, HAND = 29.0, 25.0, 7.0
THIGH, SHANK, ANKLE_H = 44.0, 43.0, 7.0
W_THIGH, W_SHANK, W_UPPER, W_FORE, W_HAND, W_FOOT, W_NECK = 14.5, 11.5, 10.5, 9.0, 8.5, 7.0, 9.5
# Furniture in cm.
SEAT_DEPTH, RAIL_H, BAR_Y = 42.0, 92.0, 215.0
