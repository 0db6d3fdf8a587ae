"""The clinical core: a case in, an assessment out, with a trace of why. Standard library only."""

from osteofys.rules.assess import assess
from osteofys.rules.case import Case, CaseError, CaseIssue, parse_case
from osteofys.rules.knowledge import Knowledge
from osteofys.rules.model import Assessment, BoneStatus, Category, Domain, Step

__all__ = [
    "Assessment",
    "BoneStatus",
    "Case",
    "CaseError",
    "CaseIssue",
    "Category",
    "Domain",
    "Knowledge",
    "Step",
    "assess",
    "parse_case",
]
