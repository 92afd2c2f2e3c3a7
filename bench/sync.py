"""The nightly registration sync against a bare bulk upsert and against one write per registration.

`python -m bench.sync [--registrations 100000 --occasions 3000 --database-url URL --sample 1000]`

The Ladok stand-in runs in its own process on loopback and holds a generated term. The timed
sync is exactly what `flows/registration_sync.py` runs for its register side:
`sync_from_register.fn(batch)` over batches of 500 occasions (the task body, without Prefect's
engine around it: six task calls for the whole term, however many students), the next batch
started in a second thread while one is taken (`tasks.registration.read_ahead`, as the flow). It is the first
sync into an empty store, so every registration is an add; a second, no-change run is timed too.
Each store holds the term's decisions on support (as the coordinator's import leaves them), which
the sync joins on each exam's day, as it does every night.

Baselines, measured in the same run, with Python's cyclic garbage collector paused as the sync
task pauses it (`tasks.collector`):
- bulk: the same rows (the register frame, fetched beforehand, untimed) upserted into a fresh,
  equally migrated database of the same kind with `save_students` + `save` in one transaction;
- per registration: for a sample of registrations, one `sok` request with `Limit 1` at the
  registration's position plus one committed transaction writing that one row, scaled up.

With a PostgreSQL URL every phase uses that one database, emptied first; the baselines run
before the sync, so the store ends holding what the sync wrote.

Then at a realistic register latency (`--latency-ms`, 40 by default; 0 skips it): the stand-in's
fault injection delays every answer, and the first sync runs again into a fresh store. The floor
is what the register and the store impose alone: the register's calls (counted by the stand-in)
times the latency, over the client's concurrency (`LadokClient`'s 8 calls at once), plus the bulk
upsert measured above.

The last lines read `vs_bulk=<sync/bulk> vs_per_registration=<per_registration/sync>` and
`vs_floor=<sync at latency/floor>`.
"""

from __future__ import annotations

import argparse
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pandas as pd
from sqlalchemy import Engine, text

from bench.common import occasion_row, point_examflow_at, run_and_print, stand_in, timed
from flows.registration_sync import OCCASIONS_PER_BATCH
from integrations.ladok import ALL_STATES, ORDER_BY, LadokClient, study_result
from models.ladok_codes import MEDIA_RESULTAT
from simulators.term import Term, TermSpec, generate_term
from store import accommodations as support
from store import registrations
from store.db import engine_for, make_engine, transaction
from store.migrate import empty_all_tables, upgrade
from store.schema import Occasion, Registration, Student
from store.upsert import upsert
from tasks import collector
from tasks.registration import SyncSummary, read_ahead, register_frame, sync_from_register

PREFIX = "EXAM"
REGISTER_CONCURRENCY = LadokClient("http://register.invalid/").concurrency  # calls at once


def term_spec(registrations: int, occasions: int, students: int = 100_000) -> TermSpec:
    """The term the bench loads; the same arguments always give the same registrations."""
    return TermSpec(
        seed=9,
        occasions=occasions,
        course_rounds=min(20_000, occasions),
        students=max(1, min(students, registrations)),
        registrations=registrations,
        prefix=PREFIX,
    )


class Stores:
    """Fresh, migrated databases of one kind: new SQLite files, or one PostgreSQL database emptied."""

    def __init__(self, directory: Path, url: str | None, term: Term) -> None:
        self.directory = directory
        self.url = url
        self.term = term

    def fresh(self, name: str) -> tuple[str, Engine]:
        if self.url and (self.url.startswith("postgresql") or name == "store"):
            url = self.url
        else:
            url = f"sqlite:///{self.directory / f'{name}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        empty_all_tables(engine)
        with transaction(engine) as session:
            _plan(session, self.term)
        return url, engine


def _plan(session: Any, term: Term) -> None:
    """The occasions as plan-exam leaves them, at their timetable's times, and the term's
    decisions on support as the coordinator's import leaves them (one per student and exam
    day), in bulk (setup, untimed)."""
    now = pd.Timestamp.now(tz="UTC").to_pydatetime()
    rows = [
        occasion_row(
            o.uid, f"bench occasion {i}", prefix=PREFIX, exam_type="written", status="planned", now=now
        )
        | {"starts_at": o.starts_at, "ends_at": o.ends_at, "duration_minutes": o.minutes}
        for i, o in enumerate(term.occasions)
    ]
    upsert(session, Occasion, rows, keys=["id"], update=[])
    support.replace(session, decisions(term), source="bench", entered_by="bench")


def decisions(term: Term) -> list[dict[str, Any]]:
    """The term's accommodations as decisions valid on their exam's day, one per student and day."""
    day = {o.uid: o.day for o in term.occasions}
    held: dict[tuple[str, date], dict[str, Any]] = {}
    for a in term.accommodations:
        key = (a.student_uid, day[a.occasion_uid])
        if key not in held or held[key]["extra_time_minutes"] < a.extra_time_minutes:
            held[key] = {
                "student_uid": a.student_uid,
                "granted": True,
                "extra_time_minutes": a.extra_time_minutes,
                "separate_room": a.separate_room,
                "equipment": a.equipment,
                "valid_from": key[1],
                "valid_to": key[1],
            }
    return list(held.values())


def fetch_frame(ladok_url: str, occasion_uids: list[str], engine: Engine) -> pd.DataFrame:
    """The register frame the sync builds, fetched and joined the same way (untimed: the bulk
    baseline's input); the decisions on support are read from `engine`'s store, as the sync's."""
    with LadokClient(f"{ladok_url}/") as client:
        registered = client.registered_many(occasion_uids)
    with transaction(engine) as session:
        wanted = {occ: [r.student_uid for r in found] for occ, found in registered.items()}
        frame = register_frame(registered, support.granted_on(session, wanted))
    return frame.assign(status="registered")


def bulk_upsert(engine: Engine, frame: pd.DataFrame) -> int:
    with collector.paused(), transaction(engine) as session:
        registrations.save_students(session, frame.rename(columns={"student_uid": "uid"}))
        return registrations.save(session, frame)


def per_registration(ladok_url: str, engine: Engine, frame: pd.DataFrame, sample: int) -> int:
    """One `sok` (Limit 1, at the registration's position) and one commit for each of `sample`."""
    picks = random.Random(1).sample(range(len(frame)), min(sample, len(frame)))
    position = frame.groupby("occasion_id").cumcount()
    body = {"Filtrering": list(ALL_STATES), "KurstillfallenUID": [], "OrderBy": list(ORDER_BY), "Limit": 1}
    with collector.paused(), LadokClient(f"{ladok_url}/") as client:
        for i in picks:
            occasion_id = frame.occasion_id.iat[i]
            path = f"resultat/studieresultat/rapportera/aktivitetstillfalle/{occasion_id}/sok"
            page = {**body, "Page": int(position.iat[i]) + 1}
            answer = client.request("PUT", path, json=page, headers={"Content-Type": MEDIA_RESULTAT})
            _write_one(engine, occasion_id, study_result(orjson.loads(answer.content)["Resultat"][0]))
    return len(picks)


def _write_one(engine: Engine, occasion_id: str, r: Any) -> None:
    with transaction(engine) as session:
        student = dict(uid=r.student_uid, first_name=r.first_name, last_name=r.last_name)
        upsert(session, Student, [student], keys=["uid"], update=["first_name", "last_name"])
        row = dict(
            occasion_id=occasion_id,
            student_uid=r.student_uid,
            study_result_uid=r.study_result_uid,
            course_round_uid=r.course_round_uid,
            module_uid=r.module_uid,
            anonymisation_code=r.anonymisation_code,
            status="registered",
            extra_time_minutes=0,
            separate_room=False,
            equipment="",
            updated_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
        )
        upsert(
            session,
            Registration,
            [row],
            keys=["occasion_id", "student_uid"],
            update=registrations.SYNCED_COLUMNS,
        )


def nightly(occasion_uids: list[str]) -> list[SyncSummary]:
    """What the flow runs for the register side: one task call per batch of occasions, the next
    started (in a second thread, as the flow's task runner does) while this one is taken."""
    batches = [
        occasion_uids[start : start + OCCASIONS_PER_BATCH]
        for start in range(0, len(occasion_uids), OCCASIONS_PER_BATCH)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return [
            synced
            for _, synced in read_ahead(batches, lambda batch: pool.submit(sync_from_register.fn, batch))
        ]


def register_calls(ladok_url: str) -> int:
    """The register calls the stand-in answered since its faults were last set (its own
    `/_sim` control calls left out)."""
    counts = httpx.get(f"{ladok_url}/_sim/faults", timeout=60).json()["requests"]
    return sum(n for route, n in counts.items() if " /_sim/" not in route)


def set_latency(ladok_url: str, ms: float) -> None:
    httpx.put(f"{ladok_url}/_sim/faults", json={"latency_ms": ms}, timeout=60).raise_for_status()


def at_latency(
    ladok_url: str, stores: Stores, directory: Path, occasion_uids: list[str], ms: float
) -> dict[str, float]:
    """The first sync into a fresh store with `ms` added to every register call."""
    store_url, engine = stores.fresh("latency")
    point_examflow_at(store_url, directory / "home", ladok_url)
    set_latency(ladok_url, ms)
    seconds, _ = timed(lambda: nightly(occasion_uids))
    calls = register_calls(ladok_url)
    set_latency(ladok_url, 0)
    engine.dispose()
    engine_for.cache_clear()
    return {"s": seconds, "calls": calls}


def held_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM registrations")).scalar_one())


def run(args: argparse.Namespace, directory: Path) -> dict[str, float]:
    spec = term_spec(args.registrations, args.occasions, args.students)
    with stand_in(directory / "ladok.db") as ladok_url:
        loaded = httpx.post(f"{ladok_url}/_sim/term", json=spec.model_dump(), timeout=600)
        loaded.raise_for_status()
        occasion_uids: list[str] = loaded.json()["occasions"]
        stores = Stores(directory, args.database_url, generate_term(spec))

        _, bulk_engine = stores.fresh("bulk")
        frame = fetch_frame(ladok_url, occasion_uids, bulk_engine)
        bulk_s, _ = timed(lambda: bulk_upsert(bulk_engine, frame))
        bulk_engine.dispose()

        _, one_engine = stores.fresh("per_registration")
        sample_s, sampled = timed(lambda: per_registration(ladok_url, one_engine, frame, args.sample))
        one_engine.dispose()

        store_url, store_engine = stores.fresh("store")
        point_examflow_at(store_url, directory / "home", ladok_url)
        sync_s, first = timed(lambda: nightly(occasion_uids))
        again_s, second = timed(lambda: nightly(occasion_uids))
        held = held_count(store_engine)
        store_engine.dispose()
        engine_for.cache_clear()
        slow = (
            at_latency(ladok_url, stores, directory, occasion_uids, args.latency_ms)
            if args.latency_ms
            else {}
        )
    figures = {
        "registrations": len(frame),
        "occasions": len(occasion_uids),
        "held": held,
        "adds": sum(s.adds for s in first),
        "second_adds": sum(s.adds + s.removals + s.extra_time_changes for s in second),
        "tasks": len(first),
        "sync_s": sync_s,
        "again_s": again_s,
        "bulk_s": bulk_s,
        "sampled": sampled,
        "sample_s": sample_s,
        "per_registration_s": sample_s * len(frame) / max(1, sampled),
        "latency_ms": args.latency_ms,
        **{f"latency_{k}": v for k, v in slow.items()},
    }
    return figures


def floor_s(calls: float, latency_ms: float, bulk_s: float, concurrency: int = REGISTER_CONCURRENCY) -> float:
    """What the register and the store alone impose: every call's latency, `concurrency` at once,
    then the bulk upsert."""
    return calls * latency_ms / 1000 / concurrency + bulk_s


def latency_lines(f: dict[str, float]) -> list[str]:
    if not f["latency_ms"]:
        return []
    floor = floor_s(f["latency_calls"], f["latency_ms"], f["bulk_s"])
    return [
        f"at {f['latency_ms']:g} ms a register call, {REGISTER_CONCURRENCY} at once: "
        f"{f['latency_calls']:,.0f} calls, floor {floor:.2f} s "
        f"(calls x latency / {REGISTER_CONCURRENCY} + the bulk upsert)",
        f"{'sync, first run, at that latency':<52}{f['latency_s']:>10.2f}{f['latency_s'] / floor:>17.2f} x floor",
    ]


def floor_line(f: dict[str, float]) -> list[str]:
    if not f["latency_ms"]:
        return []
    floor = floor_s(f["latency_calls"], f["latency_ms"], f["bulk_s"])
    return [f"vs_floor={f['latency_s'] / floor:.2f}"]


def report(f: dict[str, float]) -> str:
    n = f["registrations"]
    lines = [
        f"registrations {n:,} over {f['occasions']:,} occasions; store holds {f['held']:,} "
        f"(first sync added {f['adds']:,}; no-change run changed {f['second_adds']:,}) "
        f"in {f['tasks']} task calls per run",
        f"{'measure':<52}{'seconds':>10}{'per registration':>20}",
        *(
            f"{label:<52}{seconds:>10.2f}{seconds / max(1, n) * 1e6:>17.1f} us"
            for label, seconds in (
                ("sync, first run (all adds)", f["sync_s"]),
                ("sync, second run (no change)", f["again_s"]),
                ("bulk upsert of the same rows", f["bulk_s"]),
                (
                    f"per registration ({f['sampled']:,} sampled: {f['sample_s']:.2f} s, scaled)",
                    f["per_registration_s"],
                ),
            )
        ),
        *latency_lines(f),
        f"vs_bulk={f['sync_s'] / f['bulk_s']:.2f} vs_per_registration={f['per_registration_s'] / f['sync_s']:.1f}",
        *floor_line(f),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--occasions", type=int, default=3_000)
    parser.add_argument("--students", type=int, default=100_000, help="pool size (at most registrations)")
    parser.add_argument("--database-url", help="the store; default a SQLite file in a temporary directory")
    parser.add_argument("--sample", type=int, default=1_000, help="registrations timed one by one")
    parser.add_argument("--latency-ms", type=float, default=40, help="added to every register call; 0 skips")
    run_and_print(parser.parse_args(argv), "bench-sync-", run, report)


if __name__ == "__main__":
    main()
