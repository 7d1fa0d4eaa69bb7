"""Authorisation, scoping and the HTTP security baseline, each in one place."""
