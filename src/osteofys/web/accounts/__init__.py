"""Clinics, their users and roles, the first-run setup page."""
