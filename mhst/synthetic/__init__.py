"""The national-scale synthetic data set (``flask synthetic-data``): invented schools,
teams, staff, children and their referrals, casework and history, bulk loaded.

* :mod:`.cli`: the command (refuses a database that is not empty);
* :mod:`.sizes`: how many of each thing a scale means;
* :mod:`.sink`: bulk loading (PostgreSQL COPY, SQLite executemany), ids and sequences;
* :mod:`.names`: invented names, NHS numbers from the test range and canned text;
* :mod:`.register`: areas, teams, cohorts, schools and their history, the directory;
* :mod:`.staff`: the accounts (one known password and authenticator key for all);
* :mod:`.journeys`: each referral's path through the states, with its history;
* :mod:`.casework`: sessions, measures and discharges of each allocated case;
* :mod:`.teamwork`: groups, supervision and whole-school activities;
* :mod:`.load`: puts it together team by team, in streamed chunks;
* :mod:`.summaries`: :func:`refresh_summaries`, run at the end.

Everything is made up and reproducible: the same scale, seed and as-of date give the
same rows.
"""
