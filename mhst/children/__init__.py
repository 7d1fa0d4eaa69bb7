"""Children's records: search, the child's page (all their referrals and one timeline),
corrections of their details, and merging two records of one child."""
