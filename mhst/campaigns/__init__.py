"""Campaigns to schools: recorded with their resources, sent by email, followed up."""
