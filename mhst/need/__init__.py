"""School-level indicators of need (free school meals, deprivation, a wellbeing survey's
summary), imported from public sources by URN: never a pupil's data."""
