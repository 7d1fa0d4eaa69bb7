"""The public pages, open to anyone without an account: the landing page for families
(``/`` signed out), the privacy notice, the accessibility statement and the cookies page,
and the links of every page's footer."""
