"""Database URL, engine and schema migration for the ticket store.

SQLite is the default so the bot runs with no server; any SQLAlchemy URL (PostgreSQL in
production) is chosen with CLAIMBOT_DATABASE_URL. The schema is created only through the
Alembic migrations, run here programmatically so no alembic.ini is needed at run time.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
URL_ENV = "CLAIMBOT_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_S = 30

_upgrade_lock = threading.Lock()


def database_url() -> str:
    """The configured URL; default is a SQLite file under <repo>/var/ (created on demand)."""
    url = os.environ.get(URL_ENV, "").strip()
    if url:
        return url
    var_dir = REPO_ROOT / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var_dir / 'claimbot.db'}"


def _dump_json(value: object) -> str:
    # Keep Chinese readable in the database (ops read tickets with psql / sqlite3).
    return json.dumps(value, ensure_ascii=False)


def _is_memory_sqlite(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def make_engine(url: str | None = None) -> Engine:
    """An engine tuned per backend.

    SQLite: WAL so readers do not block the writer, a busy timeout so concurrent writers wait
    instead of failing, foreign keys on, and check_same_thread off because Rasa actions and
    the web UI use the store from several threads. An in-memory SQLite URL gets one shared
    connection, otherwise every connection would see its own empty database.
    """
    url = url or database_url()
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True, json_serializer=_dump_json)

    kwargs: dict = {
        "future": True,
        "json_serializer": _dump_json,
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
    }
    if _is_memory_sqlite(url):
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:
        cursor = dbapi_conn.cursor()
        if not _is_memory_sqlite(url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so records can be built from them."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at bot/store/migrations, built in code (no ini file)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%': escape it so passwords with % survive.
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade_schema(url: str | None = None, engine: Engine | None = None) -> None:
    """Run the migrations to head on this database (a no-op when already at head)."""
    url = url or database_url()
    own_engine = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    finally:
        if own_engine:
            engine.dispose()


def ensure_schema(url: str, engine: Engine) -> None:
    """upgrade_schema, serialised within the process so stores opened by several threads do not race."""
    with _upgrade_lock:
        upgrade_schema(url, engine)


class DatabaseStore:
    """An engine and sessions on the configured database; opening one migrates the schema to head, so a
    fresh SQLite file or an empty PostgreSQL database works at once."""

    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.sessions = make_session_factory(self.engine)
        if migrate:
            ensure_schema(self.url, self.engine)

    def close(self) -> None:
        self.engine.dispose()
