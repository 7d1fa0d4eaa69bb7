"""Service reports for clinical leads, senior clinicians (their team) and commissioners
(suppressed figures only).

``cells`` holds the typed figures a report is made of, ``suppression`` the rule for
figures that leave the service, ``filters`` what a report is filtered by and who may see
what, ``clauses`` the filters as WHERE clauses, ``queries`` the SQL aggregation behind
each report, and ``views`` the pages and CSVs (the ``reports`` blueprint).
"""
