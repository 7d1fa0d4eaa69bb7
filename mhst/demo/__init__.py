"""The invented demo data (``flask demo-data``): everything here is made up.

* :mod:`mhst.demo.cli`: the command, the demo users (one per role) and the small demo
  schools, and :func:`load_demo_data`, which loads the rest in order;
* :mod:`mhst.demo.register`: the register of about 300 schools;
* :mod:`mhst.demo.referrals`, :mod:`mhst.demo.casework`, :mod:`mhst.demo.outcomes`:
  children's referrals, casework and outcome measures;
* :mod:`mhst.demo.helpers`: the helpers they share.
"""

from mhst.demo.cli import DEMO_PASSWORD, USERS, demo_data, load_demo_data

__all__ = ["DEMO_PASSWORD", "USERS", "demo_data", "load_demo_data"]
