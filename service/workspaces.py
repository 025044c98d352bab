"""Which workspaces Tactful may talk to, and a Web API client with each one's own token.

Two modes, one seam: the nudge pass and the delivery of approved messages ask
`clients(team_id)` for a client and never build one themselves.

- One workspace (SLACK_BOT_TOKEN): the same client for every team in the store.
- Many workspaces (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET): Bolt's OAuth flow installs the app
  and slack-sdk's SQLAlchemy stores keep the installations and the OAuth state, on
  DATABASE_URL (PostgreSQL) or else a SQLite file in the data folder. A team with no
  installation (never installed, or uninstalled) gets None: nothing is posted there.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import sqlalchemy
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize, InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

from config import INSTALL_PATH, REDIRECT_PATH
from storage.postgres_store import is_database_url
from storage.postgres_store import sqlalchemy_url as postgres_sqlalchemy_url

logger = logging.getLogger(__name__)

# The bot scopes an install asks for: exactly manifest.yml's (tests/test_manifest.py checks).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "channels:history",
    "groups:history",
    "im:history",
    "usergroups:read",
    "files:write",
    "channels:read",
    "groups:read",
)
# Without DATABASE_URL, installations, OAuth state and the audit log live in this SQLite
# file in the data folder, beside the client data.
SQLITE_NAME = "workspaces.sqlite3"
# An install link is good for this long (Bolt's default).
STATE_SECONDS = 600
# A rotating token is refreshed when it has less than this left (Bolt's default).
ROTATE_MINUTES = 120

Clients = Callable[[str], WebClient | None]
# DATABASE_TIMEOUT's default, as for the client data's PostgreSQL store.
DEFAULT_TIMEOUT = 2.0
# A frozen server's connection is cut this long after its statement_timeout should have said.
_GRACE_SECONDS = 0.5
# What Bolt answers a request whose installation can't be read (Bolt's
# user_facing_authorize_error_message): a database that didn't answer in time, or a workspace
# with no installation. Nothing was done either way.
UNAUTHORISED_REPLY = (
    ":warning: Tactful couldn't read this workspace's installation just now, so nothing was "
    "done. Please try again in a minute; if this keeps happening, Tactful may need to be "
    "installed in this workspace again."
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OAuthStates(SQLAlchemyOAuthStateStore):
    """slack-sdk's SQLAlchemy state store, which never deletes a state that isn't used: here
    each install link issued or used first deletes every expired one, and so does
    `purge_expired` (the scheduler calls it after each pass). The time is `now`'s."""

    def __init__(self, engine: sqlalchemy.Engine, now: Callable[[], datetime] = _utc_now) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine)
        self.now = now

    def _at(self, moment: datetime) -> datetime:
        normal = normalize_datetime_for_db(moment.astimezone(UTC))
        assert normal is not None  # None only for None
        return normal

    def purge_expired(self) -> int:
        """Delete every state past its time; how many were deleted."""
        table = self.oauth_states
        with self.engine.begin() as conn:
            gone = conn.execute(table.delete().where(table.c.expire_at <= self._at(self.now())))
        return int(gone.rowcount or 0)

    def issue(self, *args: Any, **kwargs: Any) -> str:
        self.purge_expired()
        state = str(uuid4())
        expire_at = self._at(self.now() + timedelta(seconds=self.expiration_seconds))
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.insert(), {"state": state, "expire_at": expire_at})
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued here and still in time; it is deleted either way."""
        self.purge_expired()
        table = self.oauth_states
        with self.engine.begin() as conn:
            gone = conn.execute(table.delete().where(table.c.state == state))
        return bool(gone.rowcount)

    def count(self) -> int:
        """States kept (tests and the operator's curiosity)."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sqlalchemy.select(sqlalchemy.func.count()).select_from(self.oauth_states)
                ).scalar_one()
            )


def bounded_engine(url: str, timeout: float = DEFAULT_TIMEOUT) -> sqlalchemy.Engine:
    """SQLAlchemy's engine for the installations database, every wait bounded by `timeout` s.

    SQLite waits at most `timeout` for a lock, and a request at most that for a pooled
    connection. On PostgreSQL a new connection gives up after `timeout` (libpq's
    connect_timeout, at least 2 s), the server cancels a statement or a wait for a lock past it,
    and, since a frozen server (or network) never says so, a connection still checked out
    `timeout` + 0.5 s after it was taken has its socket shut, as PostgresStore's watchdog does:
    the thread waiting on it gets an error at once. The ping that replaces SQLAlchemy's
    pre-ping runs under the same watchdog: a pooled connection the server dropped (a restart)
    is replaced quietly, one that timed out is not retried, so the request fails in time.
    """
    if not url.startswith("postgresql"):
        return sqlalchemy.create_engine(
            url, connect_args={"timeout": timeout}, pool_timeout=timeout
        )
    millis = int(timeout * 1000)
    options = " ".join(
        o
        for o in (
            str(sqlalchemy.make_url(url).query.get("options") or ""),
            f"-c statement_timeout={millis} -c lock_timeout={millis}",
        )
        if o
    )
    engine = sqlalchemy.create_engine(
        url,
        connect_args={"connect_timeout": max(2, math.ceil(timeout)), "options": options},
        pool_timeout=timeout,
    )

    import psycopg  # the driver of postgresql+psycopg URLs

    def cut(dbapi_conn: Any, record: Any) -> None:
        record.info["cut"] = True
        logger.error(
            "The installations database did not answer within %s s: its connection is dropped",
            timeout + _GRACE_SECONDS,
        )
        try:
            with socket.socket(fileno=os.dup(dbapi_conn.pgconn.socket)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, psycopg.Error):
            pass  # already closed: nothing is waiting on it

    def disarm(_dbapi_conn: Any, record: Any, *_: Any) -> None:
        timer = record.info.pop("watchdog", None)
        if timer is not None:
            timer.cancel()

    @sqlalchemy.event.listens_for(engine, "checkout")
    def arm(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        record.info["cut"] = False
        timer = threading.Timer(timeout + _GRACE_SECONDS, cut, (dbapi_conn, record))
        timer.daemon = True
        record.info["watchdog"] = timer
        timer.start()
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as err:
            disarm(dbapi_conn, record)
            if record.info.get("cut"):
                raise  # frozen: another connection would only wait as long again
            raise DisconnectionError(err.__class__.__name__) from None

    sqlalchemy.event.listen(engine, "checkin", disarm)
    sqlalchemy.event.listen(engine, "invalidate", disarm)
    return engine


class QuietAuthorize(Authorize):
    """Bolt's per-request authorisation from the installations database, which fails fast and
    quietly when the database can't answer in time: one warning line (the error's class only:
    the database's message may quote its URL), and Bolt answers UNAUTHORISED_REPLY at once
    (with a SlackApiError Bolt answers the request itself, 200 with the text, rather than
    posting it to the command's response_url)."""

    def __init__(self, inner: Authorize) -> None:
        self.inner = inner

    def __call__(self, **kwargs: Any) -> AuthorizeResult | None:
        try:
            return self.inner(**kwargs)
        except SQLAlchemyError as err:
            logger.warning(
                "Could not read team %s's installation (%s): the request is answered that "
                "nothing was done",
                kwargs.get("team_id"),
                err.__class__.__name__,
            )
            raise SlackApiError(
                "the installations database did not answer in time",
                SlackResponse(
                    client=None,
                    http_verb="POST",
                    api_url="",
                    req_args={},
                    data={"ok": False, "error": "installations_unavailable"},
                    headers={},
                    status_code=503,
                ),
            ) from None


def sqlalchemy_url(database_url: str, data_folder: Path) -> str:
    """SQLAlchemy's URL for DATABASE_URL (with the psycopg 3 driver), or the SQLite file."""
    if not database_url:
        return f"sqlite:///{data_folder / SQLITE_NAME}"
    return postgres_sqlalchemy_url(database_url) if is_database_url(database_url) else database_url


class Installations:
    """The installations of every workspace, in the database, and clients with their tokens.

    Args:
        client_id, client_secret: the Slack app's credentials (Basic Information).
        url: SQLAlchemy's database URL (see `sqlalchemy_url`).
        make_client: a Web API client for a token (bot.py's, on SLACK_API_URL).
        redirect_uri: the public URL of /slack/oauth_redirect, when the app has several.
        now: the clock OAuth states expire by.
        timeout: seconds any database operation may take (DATABASE_TIMEOUT); see
            `bounded_engine`.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        url: str,
        make_client: Callable[[str | None], WebClient],
        *,
        redirect_uri: str = "",
        now: Callable[[], datetime] = _utc_now,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self.make_client = make_client
        self.engine = bounded_engine(url, timeout)
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=self.engine)
        self.state_store = OAuthStates(self.engine, now)
        # Idempotent: creates only the tables that are missing.
        self.store.create_tables()
        self.state_store.create_tables()
        # Refreshes go to SLACK_API_URL like every other call (Bolt's default is slack.com).
        self.rotator = TokenRotator(
            client_id=client_id, client_secret=client_secret, client=make_client(None)
        )
        self.settings = OAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            scopes=list(BOT_SCOPES),
            redirect_uri=redirect_uri or None,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # A link straight to Slack's consent page, not Bolt's "Add to Slack" page.
            install_page_rendering_enabled=False,
            installation_store=self.store,
            installation_store_bot_only=False,
            token_rotation_expiration_minutes=ROTATE_MINUTES,
            state_store=self.state_store,
            state_expiration_seconds=STATE_SECONDS,
            logger=logging.getLogger("tactful.oauth"),
        )
        # Bolt's per-request authorize refreshes rotating tokens too: through SLACK_API_URL.
        authorize = self.settings.authorize
        assert isinstance(authorize, InstallationStoreAuthorize)  # what OAuthSettings builds
        authorize.token_rotator = self.rotator
        self.settings.authorize = QuietAuthorize(authorize)
        self._missing: set[str] = set()
        self._lock = threading.Lock()

    def token(self, team_id: str) -> str | None:
        """The team's bot token, refreshed first if it rotates and is about to expire; None if
        the team has no installation (or its refresh failed: it must reinstall)."""
        installation = self.store.find_installation(enterprise_id=None, team_id=team_id)
        if installation is None or not installation.bot_token:
            return None
        try:
            refreshed = self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=ROTATE_MINUTES
            )
        except SlackTokenRotationError as err:
            logger.error("Could not refresh the token of team %s: %s", team_id, err.api_error)
            return None
        if refreshed is not None:
            self.store.save(refreshed)
            return refreshed.bot_token
        return installation.bot_token

    def __call__(self, team_id: str) -> WebClient | None:
        """A client with the team's own token, or None (logged once per team, until it
        installs again) if Tactful is not installed there."""
        token = self.token(team_id)
        with self._lock:
            if token is None and team_id not in self._missing:
                self._missing.add(team_id)
                logger.warning(
                    "Team %s has no installation of Tactful (uninstalled?): nothing is posted "
                    "there until it installs again; its record is kept",
                    team_id,
                )
            elif token is not None:
                self._missing.discard(team_id)
        return None if token is None else self.make_client(token)

    def forget(self, team_id: str) -> int:
        """Delete every installation and bot token of the team (purge). Returns how many rows
        there were."""
        with self.engine.connect() as conn:
            count = 0
            for table in (self.store.installations, self.store.bots):
                c = table.c
                count += conn.execute(
                    sqlalchemy.select(sqlalchemy.func.count())
                    .select_from(table)
                    .where(c.client_id == self.client_id, c.team_id == team_id)
                ).scalar_one()
        self.store.delete_all(enterprise_id=None, team_id=team_id)
        return count


def single_workspace(client: WebClient) -> Clients:
    """One bot token for every team in the store (today's mode)."""
    return lambda _team_id: client


class Uninstalls:
    """What Slack's `app_uninstalled` and `tokens_revoked` events do to a workspace.

    Installable by many workspaces, its installation (the tokens) is deleted, as Bolt's own
    revocation listeners do, so the nudge pass skips it from then on. Its record (clients,
    history) is kept until the agency asks: `python bot.py purge --team T...`."""

    def __init__(self, installations: Installations | None) -> None:
        self.installations = installations

    def __call__(self, team_id: str, event: dict) -> None:
        kind = event.get("type")
        if self.installations is None:
            logger.warning(
                "Slack says %s for team %s: with one SLACK_BOT_TOKEN nothing can be posted "
                "until Tactful is installed again and the new token configured",
                kind,
                team_id,
            )
            return
        tokens = event.get("tokens") or {}
        if kind == "tokens_revoked" and not tokens.get("bot"):
            # Only people's tokens (Tactful asks for none): the bot still works.
            for user_id in tokens.get("oauth") or []:
                self.installations.store.delete_installation(
                    enterprise_id=None, team_id=team_id, user_id=user_id
                )
            return
        # The whole installation, not just the bot row: Bolt authorises requests from the
        # installation, which would otherwise still carry the revoked token.
        self.installations.store.delete_all(enterprise_id=None, team_id=team_id)
        logger.warning(
            "Tactful was removed from team %s (%s): its nudges stop; its record is kept until "
            "`python bot.py purge --team %s`",
            team_id,
            kind,
            team_id,
        )


class AuditLog:
    """What was done to a whole workspace and by whom (a purge), one row each, in the same
    database as the installations. A row is committed (durable) before `append` returns."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.engine = bounded_engine(url, timeout)
        metadata = sqlalchemy.MetaData()
        self.table = sqlalchemy.Table(
            "tactful_audit",
            metadata,
            sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True, autoincrement=True),
            sqlalchemy.Column("at", sqlalchemy.String(40), nullable=False),
            sqlalchemy.Column("who", sqlalchemy.String(200), nullable=False),
            sqlalchemy.Column("action", sqlalchemy.String(40), nullable=False),
            sqlalchemy.Column("team_id", sqlalchemy.String(32), nullable=False),
            sqlalchemy.Column("details", sqlalchemy.Text, nullable=False),
        )
        metadata.create_all(self.engine)

    def append(
        self, *, at: datetime, who: str, action: str, team_id: str, details: dict[str, Any]
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.table.insert(),
                {
                    "at": at.isoformat(timespec="seconds"),
                    "who": who,
                    "action": action,
                    "team_id": team_id,
                    "details": json.dumps(details, sort_keys=True),
                },
            )

    def entries(self) -> list[dict[str, Any]]:
        """Every row, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(self.table.select().order_by(self.table.c.id)).mappings()
            return [{**row, "details": json.loads(row["details"])} for row in rows]
