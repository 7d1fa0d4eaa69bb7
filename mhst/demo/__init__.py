"""The invented demo data (``flask demo-data``): everything here is made up.

* :mod:`mhst.demo.cli`: the command, the demo users (one per role) and the small demo
  schools, and :func:`load_demo_data`, which loads the rest in order;
* :mod:`mhst.demo.register`: the register of about 300 schools;
* :mod:`mhst.demo.staff`: the practitioners of the four demo teams;
* :mod:`mhst.demo.stories` and :mod:`mhst.demo.team_stories`: what happens to each
  referred child, and when; :mod:`mhst.demo.teamwork`: groups, supervision and
  whole-school activities;
* :mod:`mhst.demo.referrals` and :mod:`mhst.demo.casework` turn them into steps that
  :mod:`mhst.demo.plan` plays in date order through the domain operations
  (:mod:`mhst.demo.history` puts it together);
* :mod:`mhst.demo.helpers`: the helpers they share.
"""

from mhst.demo.cli import DEMO_PASSWORD, DEMO_TOTP_SECRET, USERS, demo_data, load_demo_data

__all__ = ["DEMO_PASSWORD", "DEMO_TOTP_SECRET", "USERS", "demo_data", "load_demo_data"]
