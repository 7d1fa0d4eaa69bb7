"""The accounts: per team a senior clinician and EMHPs, a school lead per active school,
a clinical lead per area, one commissioner and one administrator. All share the demo's
published password and authenticator key (mhst.demo), so the benchmark can sign in."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from mhst.accounts.passwords import hash_password
from mhst.core import encryption
from mhst.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from mhst.synthetic import names
from mhst.synthetic.register import Register, at
from mhst.synthetic.sink import Sink
from mhst.synthetic.sizes import Sizes

DOMAIN = "national.example"


@dataclass
class Staff:
    admin: int
    commissioner: int
    clinical_leads: list[int]
    seniors: dict[int, int] = field(default_factory=dict)  # team id -> user id
    emhps: dict[int, list[int]] = field(default_factory=dict)  # team id -> user ids
    school_leads: dict[int, int] = field(default_factory=dict)  # school id -> user id
    emails: dict[int, str] = field(default_factory=dict)

    def sign_ins(self) -> dict[str, str]:
        """One email per role, for the benchmark and the printout."""
        first_team = min(self.seniors)
        return {
            "administrator": self.emails[self.admin],
            "commissioner": self.emails[self.commissioner],
            "clinical_lead": self.emails[self.clinical_leads[0]],
            "senior_clinician": self.emails[self.seniors[first_team]],
            "emhp": self.emails[self.emhps[first_team][0]],
            "school_mental_health_lead": self.emails[min(self.school_leads.items())[1]],
        }


class _Accounts:
    def __init__(self, sink: Sink, rng: random.Random, today: date):
        self.sink, self.rng, self.today = sink, rng, today
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.totp_secret_encrypted = encryption.encrypt(DEMO_TOTP_SECRET)  # one for all
        self.emails: dict[int, str] = {}

    def add(self, local: str, role: str, team_id=None, school_id=None) -> int:
        user_id = self.sink.next_id("user_account")
        email = f"{local}@{DOMAIN}"
        given, family = names.person(self.rng)
        created = at(self.today - timedelta(days=4 * 365), 9)
        self.sink.add("user_account", (
            user_id, email, f"{given} {family}", self.password_hash, role, team_id, school_id,
            True, 1, created, at(self.today - timedelta(days=1), 9), False, False, 0,
            self.totp_secret_encrypted, created,
        ))  # fmt: skip
        self.emails[user_id] = email
        return user_id


def load_staff(
    sink: Sink, sizes: Sizes, register: Register, rng: random.Random, today: date
) -> Staff:
    accounts = _Accounts(sink, rng, today)
    staff = Staff(
        admin=accounts.add("admin", "administrator"),
        commissioner=accounts.add("commissioner", "commissioner"),
        clinical_leads=[
            accounts.add(f"clinical.lead.{area + 1:02d}", "clinical_lead")
            for area in range(sizes.areas)
        ],
    )
    for team in register.teams:
        code = f"{team.index + 1:03d}"
        staff.seniors[team.id] = accounts.add(f"senior.{code}", "senior_clinician", team.id)
        count = sizes.emhps(sizes.share(sizes.referrals, team.index))
        staff.emhps[team.id] = [
            accounts.add(f"emhp.{code}.{k + 1}", "emhp", team.id) for k in range(count)
        ]
    for team in register.teams:
        for school in team.schools:
            user_id = accounts.add(f"school.lead.{school.id:05d}", "school_mental_health_lead",
                                   school_id=school.id)  # fmt: skip
            staff.school_leads[school.id] = user_id
            sink.add("school_lead_assignment", (
                sink.next_id("school_lead_assignment"), school.id, user_id, "lead",
                at(team.go_live - timedelta(days=30), 9),
            ))  # fmt: skip
    staff.emails = accounts.emails
    return staff
