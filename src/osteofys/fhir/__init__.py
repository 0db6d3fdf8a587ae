"""HL7 FHIR R4 mapping of cases and results (export) and of DXA observations (import)."""
