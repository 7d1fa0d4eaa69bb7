"""Whole-school approach: the team's work with a school as a whole (its second function)."""
