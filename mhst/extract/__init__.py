"""The national extract: pseudonymised CSV files aligned with the Mental Health Services
Data Set (MHSDS), for clinical leads. The column mapping is in ``docs/mhsds-extract.md``."""
