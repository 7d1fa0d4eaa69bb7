"""The benchmark's results file: the machine, the data sizes, per page p50/p95/p99 and
queries for each number of clients, requests per second, queries per page at two sizes,
and the targets, each marked met or not."""

from __future__ import annotations

import os
import platform
from collections import defaultdict
from datetime import date

from national_http import Hit, percentile

# The accounts the benchmark signs in as (mhst/synthetic/staff.py; printed by the loader).
SIGN_INS = {
    "administrator": "admin@national.example",
    "clinical_lead": "clinical.lead.01@national.example",
    "senior_clinician": "senior.001@national.example",
    "emhp": "emhp.001.1@national.example",
    "school_mental_health_lead": "school.lead.00001@national.example",
    "commissioner": "commissioner@national.example",
}
TABLES = (
    "school",
    "team",
    "user_account",
    "child",
    "referral",
    "referral_event",
    "care_contact",
    "measure_record",
    "audit_event",
)
FLOOR = "floor (/status)"


def machine(database_url: str, redis_url: str) -> list[str]:
    import psycopg
    import redis

    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    with open("/proc/meminfo") as meminfo:
        memory = next(line.split()[1] for line in meminfo if line.startswith("MemTotal"))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- Machine: {os.cpu_count()} cores, {int(memory) / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.platform()}, Python {platform.python_version()}",
        f"- PostgreSQL {postgres}, Redis {redis_version}; load average at the end: {load} "
        "(the machine is shared: other work ran beside the benchmark)",
    ]


def sizes(database_url: str) -> list[str]:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        counts = [
            (t, connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
            for t in TABLES
        ]
        size = connection.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
    return [f"- Database size {size}; rows: " + ", ".join(f"{t} {n:,}" for t, n in counts)]


def page_table(hits: list[Hit]) -> tuple[list[str], dict]:
    """The per-page table and {(role, page): (p50, p95, p99, queries)}."""
    grouped = defaultdict(list)
    for hit in hits:
        grouped[(hit.role, hit.page)].append(hit)
    stats = {}
    lines = [
        "| role | page | n | errors | p50 ms | p95 ms | p99 ms | queries |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (role, page), group in sorted(grouped.items()):
        ms = [h.ms for h in group]
        queries = sorted({h.queries for h in group if h.queries is not None})
        figures = tuple(percentile(ms, share) for share in (0.5, 0.95, 0.99))
        stats[(role, page)] = (*figures, queries)
        errors = sum(h.status != 200 for h in group)
        lines.append(
            f"| {role} | {page} | {len(group)} | {errors} | "
            + " | ".join(f"{v:,.0f}" for v in figures)
            + f" | {'/'.join(map(str, queries))} |"
        )
    return lines, stats


def queries_table(small: dict, large: dict, small_scale: float, scale: float) -> list[str]:
    lines = [
        f"| role | page | queries at {small_scale} | queries at {scale} | fixed |",
        "|---|---|---:|---:|---|",
    ]
    for key in sorted(large):
        a, b = small.get(key), large[key]
        lines.append(f"| {key[0]} | {key[1]} | {a} | {b} | {'yes' if a == b else 'NO'} |")
    return lines


def write(path, header: dict, levels: dict, extract, direct: dict, counts) -> None:
    """Everything into the results file at ``path``."""
    lines = [f"# National benchmark, {date.today().isoformat()}, scale {header['scale']}", ""]
    lines += header["machine"] + header["sizes"]
    lines += [f"- Load: {header['load']}", ""]
    all_stats = {}
    for concurrent, (hits, seconds) in levels.items():
        table, stats = page_table(hits)
        all_stats[concurrent] = stats
        lines += [
            f"## {concurrent} concurrent client{'s' if concurrent > 1 else ''}",
            "",
            f"{len(hits):,} requests in {seconds:.1f} s: {len(hits) / seconds:.1f} requests/second",
            "",
            *table,
            "",
        ]
    lines += ["## Queries per page at two sizes", "", *counts, ""]
    lines += targets(all_stats, extract, direct)
    path.write_text("\n".join(lines) + "\n")


def targets(all_stats: dict, extract, direct: dict) -> list[str]:
    """The issue's targets at the most clients measured, each met or not."""
    most = max(all_stats)
    stats = all_stats[most]
    floor = next(v for (role, page), v in stats.items() if page == FLOOR)[1]
    lines = [
        f"## Targets ({most} clients; floor p95 {floor:,.0f} ms)",
        "",
        "| target | page | measured | met |",
        "|---|---|---|---|",
    ]
    for (role, page), (_, p95, _, _) in sorted(stats.items()):
        if page == FLOOR:
            continue
        limit = min(4 * floor, 500)
        lines.append(
            f"| p95 <= 4x floor and <= 500 ms | {role}: {page} | {p95:,.0f} ms "
            f"(limit {limit:,.0f}) | {'met' if p95 <= limit else 'NOT met'} |"
        )
        if page.endswith("(last page)"):
            first = stats.get((role, page.replace(" (last page)", "")))
            if first:
                ratio = p95 / first[1]
                lines.append(
                    f"| last page within 1.5x first (p95) | {role}: {page} | "
                    f"{ratio:.2f}x | {'met' if ratio <= 1.5 else 'NOT met'} |"
                )
    single = all_stats[min(all_stats)]
    for slug, ms in direct.items():
        page = single.get(("clinical_lead", f"report {slug}"))
        if page:
            ratio = page[0] / ms if ms else float("inf")
            lines.append(
                f"| report within 2x direct (p50, 1 client) | report {slug} | "
                f"page {page[0]:,.0f} ms, direct {ms:,.0f} ms: {ratio:.2f}x | "
                f"{'met' if ratio <= 2 else 'NOT met'} |"
            )
    seconds, status, size = extract
    lines.append(
        f"| extract < 60 s | one month, national | {seconds:.1f} s (HTTP {status}, "
        f"{size:,} bytes) | {'met' if seconds < 60 and status == 200 else 'NOT met'} |"
    )
    return lines
