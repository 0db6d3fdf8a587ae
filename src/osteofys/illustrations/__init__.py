"""Exercise illustrations: draws the pose data of an exercise as a two-panel SVG figure.

The pose vocabulary and its check belong to the knowledge base (`osteofys.kb.pose`); this package
draws. Standard library only, like the knowledge base: documents (PDF), the web library page and
the CLI use it. The modules, in the order a drawing is made:

- `kinematics`: joint angles to the points of a figure (`measures` gives the body its size);
- `scene`: the props placed once for both panels, the figures put on their surface;
- `solver`: hands and feet sent to their targets (two-bone IK);
- `figure`, `props`, `arcs`: the shapes on a `canvas`, in the colours of `style`;
- `render`: two panels side by side as one SVG document;
- `check`: draws what passed the vocabulary check (`osteofys kb check`);
- `sheet`: every drawing and an index.html (`osteofys kb illustrations DIR`).
"""

from __future__ import annotations

from osteofys.illustrations.check import data_dir_problems, drawing_problems
from osteofys.illustrations.render import LABELS, PoseError, render
from osteofys.illustrations.sheet import write_sheet

__all__ = [
    "LABELS",
    "PoseError",
    "data_dir_problems",
    "drawing_problems",
    "render",
    "write_sheet",
]
