"""The rollout of the programme to every school by 2029/30: figures and the report."""
