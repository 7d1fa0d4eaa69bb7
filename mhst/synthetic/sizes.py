"""How many of each thing a scale means. At 1.0: about 24,000 schools, 650 teams in 42
areas, 1,000,000 children, 1,200,000 referrals and 8,000,000 care contacts."""

from __future__ import annotations

from dataclasses import dataclass

NATIONAL = {
    "schools": 24_000,
    "teams": 650,
    "areas": 42,
    "children": 1_000_000,
    "referrals": 1_200_000,
    "care_contacts": 8_000_000,
}
HISTORY_DAYS = 3 * 365  # referrals received over the past three years
OPEN_WINDOW_DAYS = 180  # where each team's open cases come from
MEAN_CASELOAD = 20  # an EMHP holds 15 to 25 open cases
MAX_EMHPS = 9


@dataclass(frozen=True)
class Sizes:
    scale: float
    schools: int
    teams: int
    areas: int
    children: int
    referrals: int
    care_contacts: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        n = {key: round(value * scale) for key, value in NATIONAL.items()}
        teams = max(1, n["teams"])
        return cls(
            scale=scale,
            schools=max(2 * teams, n["schools"]),
            teams=teams,
            areas=min(teams, max(1, n["areas"])),
            children=max(10, n["children"]),
            referrals=max(12, n["referrals"]),
            care_contacts=n["care_contacts"],
        )

    def share(self, total: int, index: int) -> int:
        """Team ``index``'s share of ``total`` (shares differ by at most one)."""
        return total // self.teams + (1 if index < total % self.teams else 0)

    def emhps(self, referrals: int) -> int:
        """EMHPs in a team with ``referrals``: enough for 15-25 open cases each from the
        referrals of its open window."""
        in_window = referrals * OPEN_WINDOW_DAYS / HISTORY_DAYS
        return max(1, min(MAX_EMHPS, round(in_window * 0.5 / MEAN_CASELOAD)))
