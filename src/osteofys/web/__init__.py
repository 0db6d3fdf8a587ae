"""The Django web application: clinics, patients, assessments, plans and follow-up."""
