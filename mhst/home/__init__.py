"""Each role's home page, the menu, and the health check (blueprint ``home`` in
``views``).

The top of the layers with reports and the extract: the home pages gather figures from
schools, referrals and whole-school work, and the menu links to every feature."""
