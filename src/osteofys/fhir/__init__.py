"""HL7 FHIR R4 mapping of cases and results (export) and of DXA observations (import)."""

from osteofys.fhir.checks import check
from osteofys.fhir.export import (
    CarePlanActivity,
    Progress,
    SessionEvent,
    SessionExercise,
    Subject,
    SupervisedSession,
    activities_from,
    bundle,
)
from osteofys.fhir.importing import DxaImport, FhirImportError, Ignored, dxa_from_bundle

__all__ = [
    "CarePlanActivity",
    "DxaImport",
    "FhirImportError",
    "Ignored",
    "Progress",
    "SessionEvent",
    "SessionExercise",
    "Subject",
    "SupervisedSession",
    "activities_from",
    "bundle",
    "check",
    "dxa_from_bundle",
]
