"""The zero-setup broker: kombu's SQLAlchemy transport on a SQLite file, polled faster.

kombu hands every transport option of this transport to ``create_engine``,
so the polling interval cannot be passed as an option; a subclass sets it.
At the default 1 s a worker takes only a couple of tasks a second.
"""
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport

ALIAS = "sqlite-broker"


class EmbeddedTransport(SQLAlchemyTransport):
    polling_interval = 0.1


def register() -> None:
    TRANSPORT_ALIASES.setdefault(ALIAS, "config.broker:EmbeddedTransport")
