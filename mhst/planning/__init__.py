"""The next-cohort planner: waiting schools ranked by a need score whose weights a
clinical lead sets, and the chosen schools added to a cohort in one recorded step."""
