"""Schools the service works with. This issue keeps them minimal; the schools issue fills
out the register, participation, cohorts and rollout."""
