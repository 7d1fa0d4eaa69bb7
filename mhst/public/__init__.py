"""The public pages, open to anyone without an account (issue 16): the landing page for
families (``/`` signed out), the list of participating schools and the local support
directory (:mod:`mhst.public.views`), the privacy notice, the accessibility statement and
the cookies page (:mod:`mhst.public.site_views`), and the links of every page's footer. Nothing
of any child's record, and no staff member's name."""
