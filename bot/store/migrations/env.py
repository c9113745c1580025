"""Alembic environment for the ticket store.

Used two ways: programmatically by bot.store.db.upgrade_schema, which hands over an open
connection in config.attributes, and by operators through the root alembic.ini
(`alembic upgrade head`), where the URL comes from CLAIMBOT_DATABASE_URL like the bot's own.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.db import database_url, make_engine
from bot.store.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("connection") is None:
    # Only when run from the CLI: reconfiguring logging inside the bot would drop its handlers.
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configured_url() -> str:
    return config.get_main_option("sqlalchemy.url") or database_url()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=_configured_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_configured_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
