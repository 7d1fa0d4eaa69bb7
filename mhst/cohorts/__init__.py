"""Cohorts: the waves in which schools join the programme."""
