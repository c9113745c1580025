"""Deterministic demo policies, so lookups, scenarios and demos have insured persons on file.

The same (n, rng_seed) always yields the same people and policy numbers, and person i does
not depend on n, so seeding again (even with a larger n) only adds what is missing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.store.db import database_url, ensure_schema, make_engine, make_session_factory
from bot.store.models import POLICY_ACTIVE, POLICY_LAPSED, Policy
from nlu.id_number import check_char

PEOPLE_FILE = Path(__file__).resolve().parents[2] / "data" / "claims" / "demo_people.yml"
_TODAY = date(2026, 1, 1)  # fixed, so the demo data never changes with the clock


@lru_cache(maxsize=1)
def _people() -> dict:
    with PEOPLE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _era(birth: date) -> str:
    if birth.year < 1970:
        return "before_1970"
    return "from_1970" if birth.year < 2000 else "from_2000"


def _surname(rng: random.Random, surnames: list[str]) -> str:
    # Frequency falls with rank, roughly like real surname distributions.
    weights = [1.0 / (rank + 3) for rank in range(len(surnames))]
    return rng.choices(surnames, weights=weights)[0]


def _person(rng: random.Random, people: dict, taken_ids: set) -> tuple[str, str, date]:
    male = rng.random() < 0.5
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange((date(2020, 12, 31) - date(1940, 1, 1)).days + 1))
    given = rng.choice(people["given_names"]["male" if male else "female"][_era(birth)])
    name = _surname(rng, people["surnames"]) + given
    area = str(rng.choice(people["address_codes"]))
    while True:
        sequence = rng.randrange(0, 1000)
        if sequence % 2 != (1 if male else 0):  # 17th digit: odd for men, even for women
            sequence = (sequence + 1) % 1000
        first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
        id_number = first17 + check_char(first17)
        if id_number not in taken_ids:
            taken_ids.add(id_number)
            return name, id_number, birth


def demo_policy_rows(n: int = 240, rng_seed: int = 7) -> list[dict[str, object]]:
    """n demo policies as column dicts: the fixed people (contract examples) first, then generated ones."""
    people = _people()
    rng = random.Random(rng_seed)
    rows: list[dict[str, object]] = []
    taken: set = set()
    for index, fixed in enumerate(people["fixed"], start=1):
        taken.add(fixed["id"])
        rows.append({
            "policy_no": f"P2018{index:06d}",
            "insured_name": fixed["name"],
            "insured_id": fixed["id"],
            "product": fixed["product"],
            "status": POLICY_ACTIVE,
            "effective_date": date(2018, 6, 1),
            "expiry_date": None,
            "holder_phone": str(fixed["phone"]),
        })
    for index in range(len(rows) + 1, n + 1):
        name, id_number, birth = _person(rng, people, taken)
        lapsed = rng.random() < people["lapsed_share"]
        earliest = max(date(2010, 1, 1), birth)
        latest = date(2023, 12, 31) if lapsed else date(2025, 12, 31)  # lapsed ones need time to lapse
        effective = earliest + timedelta(days=rng.randrange(max((latest - earliest).days, 1)))
        if lapsed:  # premium unpaid some time after the start, before the demo's "today"
            expiry: date | None = min(effective + timedelta(days=rng.randrange(60, 1500)), _TODAY)
        else:
            expiry = None if rng.random() < 0.5 else date(effective.year + rng.choice((20, 30)), effective.month, 1)
        phone = f"{rng.choice(people['mobile_prefixes'])}{rng.randrange(10**8):08d}"
        rows.append({
            "policy_no": f"P{effective:%Y}{index:06d}",
            "insured_name": name,
            "insured_id": id_number,
            "product": rng.choice(people["products"]),
            "status": POLICY_LAPSED if lapsed else POLICY_ACTIVE,
            "effective_date": effective,
            "expiry_date": expiry,
            "holder_phone": phone,
        })
    return rows


def demo_policies(n: int = 240, rng_seed: int = 7, active_only: bool = False) -> list[tuple[str, str]]:
    """(name, id_number) of the insured persons that seed_demo_data puts on file."""
    return [
        (str(row["insured_name"]), str(row["insured_id"]))
        for row in demo_policy_rows(n, rng_seed)
        if not active_only or row["status"] == POLICY_ACTIVE
    ]


def seed_demo_data(url: str | None = None, n: int = 240, rng_seed: int = 7) -> int:
    """Insert the demo policies that are not yet on file; returns how many were added."""
    url = url or database_url()
    engine = make_engine(url)
    try:
        ensure_schema(url, engine)
        sessions = make_session_factory(engine)
        rows = demo_policy_rows(n, rng_seed)
        with sessions() as session, session.begin():
            existing = set(session.execute(select(Policy.policy_no)).scalars())
            new_rows = [row for row in rows if row["policy_no"] not in existing]
            session.add_all(Policy(**row) for row in new_rows)
        return len(new_rows)
    finally:
        engine.dispose()
