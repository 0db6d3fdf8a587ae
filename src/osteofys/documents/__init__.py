"""Patient handout and GP letter as PDF, rendered with typst from templates in the package.

Usage: build the data with `handout_data` / `gp_letter_data` (stored data, the web app) or
`handout_data_from_assessment` / `gp_letter_data_from_assessment` (a fresh core assessment and
its case, the CLI), then `handout_pdf(data)` / `gp_letter_pdf(data)` give the PDF bytes.
No Django here: the web app passes the stored values in as plain Python values.
"""

from osteofys.documents.model import (
    DocumentError,
    gp_letter_data,
    gp_letter_data_from_assessment,
    handout_data,
    handout_data_from_assessment,
)
from osteofys.documents.render import gp_letter_pdf, handout_pdf, illustration, with_logo

__all__ = [
    "DocumentError",
    "gp_letter_data",
    "gp_letter_data_from_assessment",
    "gp_letter_pdf",
    "handout_data",
    "handout_data_from_assessment",
    "handout_pdf",
    "illustration",
    "with_logo",
]
