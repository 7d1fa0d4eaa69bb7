"""Casework: allocation, caseloads, discharge and the child's timeline (1:1 sessions and
groups are in ``mhst.sessions``). Rules live in ``operations``; routes, and the
``casework`` blueprint, in ``allocation_views``."""
