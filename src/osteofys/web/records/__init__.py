"""Patient records: patients, assessments, training plans and re-tests."""
