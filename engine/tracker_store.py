"""Rasa's own SQL tracker store, reconnecting after a database restart.

`SQLTrackerStore` keeps a connection pool without `pool_pre_ping`: after PostgreSQL restarts,
the first message on each stale pooled connection fails (HTTP 500 to the patient). Checking a
connection before use costs one round trip per checkout and loses no message. Everything else
- schema, queries, `login_db` database creation - is Rasa's.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)


class ReconnectingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)
        # Rasa falls back to an in-memory store when a custom store fails to import; this line
        # in the log (no credentials) shows the real one is in use.
        logger.info("tracker store: %s on %s", type(self).__name__, url.render_as_string())
