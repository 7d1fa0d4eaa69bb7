"""Puts the data set together: the register and the staff, then team by team its
referrals, casework and teamwork, written in streamed chunks (a chunk of rows at a time,
never the whole country in memory)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from mhst.synthetic.referrals import TeamPeople, load_team_referrals
from mhst.synthetic.register import load_register, load_school_history
from mhst.synthetic.sink import Sink
from mhst.synthetic.sizes import Sizes
from mhst.synthetic.staff import Staff, load_staff
from mhst.synthetic.teamwork import load_teamwork

# Where a bench database says what it holds (PostgreSQL: a comment on the referral table).
MARK = "synthetic-data scale={scale} seed={seed} as-of={today}"


@dataclass
class Loaded:
    sizes: Sizes
    staff: Staff
    tables: list[tuple[str, int, float]]  # (table, rows, seconds writing)
    seconds: float


def load(
    connection: Connection, scale: float, seed: int, today: date,
    echo: Callable[[str], None] = print,
) -> Loaded:  # fmt: skip
    started = time.perf_counter()
    sizes = Sizes.at(scale)
    sink = Sink(connection, echo)
    # Invented data, reproducible from the seed: not for secrets (bandit B311).
    rng = random.Random(f"{seed}:register")  # noqa: S311  # nosec B311
    register = load_register(sink, sizes, rng, today)
    staff = load_staff(sink, sizes, register, rng, today)
    load_school_history(sink, register, rng, staff.admin, today)
    sink.flush()
    echo(f"Register and staff: {sum(sink.written.values()):,} rows")
    step = max(1, len(register.teams) // 10)
    for team in register.teams:
        team_rng = random.Random(f"{seed}:team:{team.index}")  # noqa: S311  # nosec B311
        people = TeamPeople(
            staff.seniors[team.id], staff.emhps[team.id], staff.school_leads, staff.emails
        )
        counts = (
            sizes.share(sizes.referrals, team.index),
            sizes.share(sizes.children, team.index),
        )
        cases = load_team_referrals(
            sink, team_rng, team, people, counts, (today, register.services)
        )
        load_teamwork(sink, team_rng, team, (people.senior, people.emhps), cases, today)
        sink.maybe_flush()
        if (team.index + 1) % step == 0:
            done = sum(sink.written.values()) + sink.held
            echo(
                f"  teams {team.index + 1:,}/{len(register.teams):,}: {done:,} rows, "
                f"{time.perf_counter() - started:.0f} s"
            )
    sink.finish()
    if sink.postgres:
        mark = MARK.format(scale=scale, seed=seed, today=today.isoformat())
        connection.execute(text(f"COMMENT ON TABLE referral IS '{mark}'"))  # nosec B608
    return Loaded(sizes, staff, sink.report(), time.perf_counter() - started)


def loaded_mark(connection: Connection) -> str | None:
    """What a PostgreSQL database says it was loaded with (:data:`MARK`), if anything."""
    if connection.dialect.name != "postgresql":
        return None
    return connection.execute(text("SELECT obj_description('referral'::regclass)")).scalar()
