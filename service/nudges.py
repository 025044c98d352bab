"""One nudge pass: decide what is due, record it, then post it to Slack exactly once.

The pass is here; its parts each have a module of their own: what is due (domain/nudges.py),
talking to Slack (service/posting.py), posting approved messages in a shared channel
(service/delivery.py), and what the team sees (ui/suggestions.py).

Exactly once, across crashes, restarts, retries and a second scheduler:
1. A due nudge is first recorded as PENDING in the client's record, inside a store change that
   re-checks it is still due on the freshest copy, under the write lock. A key that is already
   recorded is never recorded again.
2. Before each post, the attempt (and the exact text) is written down. If we crash or time out
   after Slack accepted a post but before we stored its `ts`, the next pass sees the attempt and
   looks for the message in the channel by its metadata (the nudge key) before posting again.
3. A failure (HTTP 5xx, 429, timeout, `ok: false`) leaves the nudge PENDING: it is retried on
   the next pass, after Retry-After when Slack gave one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from clock import utc_now
from domain.backlog import BACKLOG_CAP, split
from domain.calendar import WEEKDAYS_ONLY, WorkCalendar
from domain.models import ClientRecord, Kind, Nudge, NudgeStatus, TextVersion
from domain.nudges import (
    DEFAULT_HOURS,
    DEFAULT_LADDERS,
    Due,
    Ladders,
    as_recorded,
    current,
    due_nudges,
    is_reminder,
    next_check,
    prune,
    snoozed,
)
from domain.routing import NO_ROUTE, Route
from service.commands import Draft, log
from service.delivery import TACTFUL, Delivery, update_nudge
from service.posting import (
    MAX_LOOKUP_PAGES,
    REFUSED_FOR_GOOD,
    NotRuledOut,
    Pacer,
    Poster,
    RateLimited,
    retry_after,
)
from storage.base import DamagedRecord, NoChange, Store
from ui import nudges as ui
from ui.client_message import Letterhead
from ui.suggestions import Suggestions
from ui.wording import Wording

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkingHours:
    tz: tzinfo
    days: tuple[int, ...] = DEFAULT_HOURS.days
    start: time = DEFAULT_HOURS.start
    end: time = DEFAULT_HOURS.end
    # Nothing is posted on a public holiday or a day the agency is closed.
    calendar: WorkCalendar = WEEKDAYS_ONLY

    def open_at(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        return (
            local.weekday() in self.days
            and self.start <= local.time() < self.end
            and not self.calendar.is_off(local.date())
        )


class NudgeSchedule:
    """When the pass next needs to look at a client, for the store's checks index."""

    def __init__(
        self,
        tz: tzinfo,
        ladders: Ladders = DEFAULT_LADDERS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.tz, self.ladders = tz, ladders
        self.clock = clock or utc_now
        # Entries made under other rules vouch for nothing.
        self.fingerprint = f"v1|{tz}|{ladders!r}"

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def check_on(self, record: ClientRecord, today: date, by: date | None = None) -> date:
        """See domain.nudges.next_check."""
        return next_check(record, today, self.ladders, by)


@dataclass
class ScanReport:
    recorded: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)
    # Records that could not be read (damaged files), skipped: the store logs their paths.
    unreadable: list[str] = field(default_factory=list)
    # Workspaces in the store where Tactful is not installed (any more): skipped.
    not_installed: list[str] = field(default_factory=list)
    outside_hours: bool = False
    # Clients due a first message of their episode's next step but held back, so a channel
    # isn't flooded (domain/backlog.py): "team/client id", and the channels told so.
    held: list[str] = field(default_factory=list)
    backlog_posted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.recorded)} new, {len(self.posted)} posted, {len(self.failed)} to retry, "
            f"{len(self.stale)} no longer needed"
            + (f", {len(self.held)} held back (backlog)" if self.held else "")
            + (f", {len(self.unreadable)} unreadable (see the log)" if self.unreadable else "")
            + (
                f", {len(self.not_installed)} workspace(s) not installed skipped"
                if self.not_installed
                else ""
            )
            + (" (outside working hours: posting waits)" if self.outside_hours else "")
        )


class NudgeEngine:
    """Finds due nudges and posts them. Safe to run from several processes at once."""

    def __init__(
        self,
        store: Store,
        wording: Wording,
        client: WebClient | None,
        *,
        tz: tzinfo,
        hours: WorkingHours,
        ladders: Ladders = DEFAULT_LADDERS,
        nudge_channel: str = "",
        pace: Callable[[str], None] | None = None,
        letterhead: Letterhead | None = None,
        clients: Callable[[str], WebClient | None] | None = None,
        backlog_cap: int = BACKLOG_CAP,
    ) -> None:
        """`clients(team_id)` is the Web API client with that workspace's own token, or None
        where Tactful is not installed (service/workspaces.py); without it, `client` serves
        every team (one bot token)."""
        self.store, self.wording = store, wording
        # Per workspace, None means "not installed there": skip it. One shared client that is
        # None (tests that only record) means nothing can be posted, anywhere.
        self.per_workspace = clients is not None
        self.clients = clients or (lambda _team: client)
        self.tz, self.hours, self.ladders = tz, hours, ladders
        self.backlog_cap = backlog_cap
        # The parts, each readable on its own: Slack (posting), the shared channel (delivery),
        # and what the team sees (ui/suggestions.py).
        self.poster = Poster(pace, nudge_channel)
        self.delivery = Delivery(store, self.poster, tz, self.clients)
        self.letterhead = letterhead or Letterhead()
        self.suggestions = Suggestions(wording, self.poster.route, self.letterhead)

    # the pass --------------------------------------------------------------------------
    def scan(
        self, now: datetime, *, dry_run: bool = False, claim: Callable[[str], bool] | None = None
    ) -> ScanReport:
        """Run one pass at `now`. A dry run posts and stores nothing and fills `preview`.

        With `claim`, only the workspaces it grants (scheduler/lock.py): another replica's pass
        has the others."""
        with self.poster.one_pass():
            return self._scan(now, dry_run=dry_run, claim=claim)

    def _scan(
        self, now: datetime, *, dry_run: bool, claim: Callable[[str], bool] | None
    ) -> ScanReport:
        report = ScanReport()
        today = self._today(now)
        with_pending: list[tuple[str, str]] = []
        # Per workspace and channel, what the clients held back are due (domain/backlog.py),
        # and one of those clients (to find the channel the way its nudge would).
        backlogs: dict[tuple[str, str], tuple[ClientRecord, Counter[tuple[str, int]]]] = {}
        looked_at: dict[str, list[str]] = {}
        # Each workspace's own token, asked once per pass (a rotating one is refreshed then).
        clients: dict[str, WebClient | None] = {}
        for team in self.store.teams():
            # Claimed first: only the replica passing a workspace asks for (and may refresh) its
            # rotating token.
            if claim is not None and not claim(team):
                continue
            if not dry_run:
                client = clients[team] = self.clients(team)
                if client is None and self.per_workspace:
                    # Not installed there (any more): its record waits, nothing is posted.
                    report.not_installed.append(team)
                    continue
            # Only clients whose next check has come (the store's checks index), one at a time:
            # a big workspace's records are never all read, nor all in memory at once.
            try:
                due_ids = self.store.due_for_check(team, today)
            except DamagedRecord as err:
                # The team's name index itself: nothing of this team can be found today, but
                # every other team's nudges still go out.
                report.unreadable.append(str(err.path))
                continue
            # Per channel: the clients newly due (not recorded yet), and how many are started
            # and waiting to post.
            # Only ids, names and what is due are kept, not whole records: a backlog of
            # thousands is never all in memory; one record per channel, to find the channel.
            newly_due: dict[str, list[tuple[str, str, list[Due]]]] = {}
            one_of: dict[str, ClientRecord] = {}
            started: Counter[str] = Counter()
            queued: set[tuple[str, str]] = set()
            # Read in batches (one query per batch on PostgreSQL), handed over one at a time.
            for cid, found in self.store.read_many(team, due_ids):
                looked_at.setdefault(team, []).append(cid)
                try:
                    if isinstance(found, DamagedRecord):
                        raise found
                    if found is None:
                        continue
                    dues, pending, waiting = self._look_at(found, today, dry_run, report)
                    target = self.poster.route(found).target
                    if dues:
                        newly_due.setdefault(target, []).append((cid, found.client.name, dues))
                        one_of.setdefault(target, found)
                    if pending:
                        started[target] += 1
                    if waiting:  # started already (or an approved message to deliver)
                        with_pending.append((team, cid))
                        queued.add((team, cid))
                except DamagedRecord as err:
                    # One damaged file costs its own client's nudges, never anyone else's.
                    report.unreadable.append(str(err.path))
            for target, candidates in newly_due.items():
                chosen = split(candidates, started[target], self.backlog_cap)
                for cid, name, to_start in chosen.start:
                    for due in to_start:
                        if self._record(team, cid, due, now):
                            report.recorded.append(f"{name}: {due.key}")
                    if (team, cid) not in queued:
                        with_pending.append((team, cid))
                report.held += [f"{team}/{cid}" for cid, _name, _dues in chosen.held]
                if chosen.held:
                    backlogs[team, target] = (one_of[target], chosen.counts)
        if dry_run:
            return report
        if not self.hours.open_at(now):
            report.outside_hours = bool(with_pending)
        else:
            limited: set[str] = set()
            for team, cid in with_pending:
                client = clients[team]
                if team in limited or client is None:
                    continue
                try:
                    self._post_client(team, cid, now, report, client=client)
                except RateLimited:
                    limited.add(team)  # Slack asked us to wait: the rest of this team waits too
                except DamagedRecord as err:
                    report.unreadable.append(str(err.path))
                except Exception:
                    # One client's trouble must not starve every other client of its nudges;
                    # its pending nudge stays pending for the next pass.
                    logger.exception("Posting nudges for client %s of team %s failed", cid, team)
                    report.failed.append(f"{cid}: error")
            for (team, target), (record, counts) in backlogs.items():
                client = clients[team]
                if team not in limited and client is not None:
                    self._post_backlog(team, target, record, counts, now, report, client)
        for team, cids in looked_at.items():
            self.store.refresh_checks(team, cids)  # so the next pass skips what isn't due
        return report

    def _look_at(
        self, record: ClientRecord, today: date, dry_run: bool, report: ScanReport
    ) -> tuple[list[Due], bool, bool]:
        """What is newly due for one client (recorded only if the pass starts it), whether it
        has a nudge started and waiting to post, and whether it has anything started to post
        (a pending nudge, or an approved message to deliver)."""
        dues = due_nudges(record, today, self.ladders)
        pending = [n for n in record.nudges.values() if n.status is NudgeStatus.PENDING]
        undelivered = any(n.undelivered for n in record.nudges.values())
        if dry_run:
            report.preview += [
                self.suggestions.preview(record, d, today, self.ladders) for d in dues
            ]
            report.preview += [
                self.suggestions.preview(record, n, today, self.ladders) for n in pending
            ]
            return [], False, False
        return dues, bool(pending), bool(pending or undelivered)

    def _post_backlog(
        self,
        team: str,
        target: str,
        record: ClientRecord,
        counts: Counter[tuple[str, int]],
        now: datetime,
        report: ScanReport,
        client: WebClient,
    ) -> None:
        """One message for what was held back in this channel: at most once a day per
        channel, claimed in a workspace note first (durable), so a restart, a second replica or
        the next pass that day doesn't repeat it. A post that fails gives the claim back."""
        day = self._today(now).isoformat()
        name = f"backlog.{target}"

        def claim(current: dict[str, Any] | None) -> dict[str, Any]:
            if current and current.get("day") == day:
                raise NoChange  # told already today
            return {"day": day, "before": current or {}}

        try:
            self.store.change_note(team, name, claim)
        except NoChange:
            return
        try:
            channel = self.poster.channel(client, record)
            if not channel:
                raise LookupError("no channel")
            self.poster.pace(channel)
            ts = client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                **ui.backlog(self.wording, counts, self.backlog_cap),
            )["ts"]
        except (SlackApiError, OSError, LookupError) as err:
            logger.warning("The backlog summary for %s was not posted (%s)", target, err)
            self.store.change_note(team, name, lambda current: (current or {}).get("before", {}))
            return
        self.store.change_note(team, name, lambda current: {"day": day, "ts": ts})
        report.backlog_posted.append(f"{team}/{channel}")

    def start(self, team: str, client_id: str, now: datetime) -> str:
        """Start a client's due nudges now and post them (App Home's Post reminder): exactly
        once, whoever else clicks at the same moment, since a nudge is recorded only once and
        only the click that recorded it posts it. Returns "posted", "started" (recorded; it
        could not be posted now and the next pass posts it), "already" (started by someone
        or something else) or "nothing" (nothing is due)."""
        record = self.store.get(team, client_id)
        if record is None:
            return "nothing"
        dues = due_nudges(record, self._today(now), self.ladders)
        mine = {d.key for d in dues if self._record(team, client_id, d, now)}
        if not mine:
            # Another click (or the pass) may have recorded it between our read and now, or
            # before our read: either way a suggestion is waiting, and that is "already".
            fresh = self.store.get(team, client_id) or record
            waiting = any(
                n.status in (NudgeStatus.PENDING, NudgeStatus.POSTED) and not is_reminder(n)
                for n in fresh.nudges.values()
            )
            return "already" if dues or waiting else "nothing"
        client = self.clients(team)
        report = ScanReport()
        if client is not None:
            # Rate limited: it stays recorded, and the next pass posts it after Retry-After.
            with suppress(RateLimited):
                self._post_client(team, client_id, now, report, client=client, only=mine)
        return "posted" if mine <= set(report.posted) else "started"

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    # step 1: record ----------------------------------------------------------------------
    def _record(self, team: str, client_id: str, due: Due, now: datetime) -> bool:
        today = self._today(now)

        def change(record: ClientRecord):
            fresh = {d.key: d for d in due_nudges(record, today, self.ladders)}
            if due.key not in fresh:
                raise NoChange  # another pass recorded it first, or the client acted
            kept = prune(record, today, self.ladders)
            return replace(record, nudges={**kept, due.key: fresh[due.key].as_nudge(now)}), []

        try:
            self.store.update(team, client_id, change)
        except NoChange:
            return False
        return True

    # step 2: post ------------------------------------------------------------------------
    def _post_client(
        self,
        team: str,
        client_id: str,
        now: datetime,
        report: ScanReport,
        *,
        client: WebClient,
        only: set[str] | None = None,
    ) -> None:
        record = self.store.get(team, client_id)
        if record is None:
            return
        today = self._today(now)
        for nudge in record.nudges.values():
            if nudge.undelivered and not self.deliver(
                team, client_id, nudge.key, now, client=client
            ):
                report.failed.append(f"{nudge.key} (delivery)")
        steps = current(record, today, self.ladders)
        for nudge in sorted(record.nudges.values(), key=lambda n: n.created_at):
            if nudge.status is not NudgeStatus.PENDING or (
                only is not None and nudge.key not in only
            ):
                continue
            if nudge.next_attempt_at and nudge.next_attempt_at > now:
                report.failed.append(nudge.key)
                continue
            now_due = as_recorded(record, nudge, today, self.ladders)
            step = steps.get(nudge.situation)
            moved_on = (
                record.client.archived
                or now_due is None
                # (a promise message or a reminder repeats the step reached: never overtaken)
                or (not nudge.variant and step is not None and step.stage > nudge.stage)
            )
            if moved_on and not nudge.ts:
                # The client replied or paid, or things reached a later stage, before this was
                # posted: a message about the old situation would be wrong.
                self._set(team, client_id, nudge.key, status=NudgeStatus.STALE)
                report.stale.append(nudge.key)
                continue
            if snoozed(record, nudge.situation, today):
                continue
            self._post_nudge(team, record, nudge, now_due, now, report, client=client)

    def _post_nudge(
        self,
        team: str,
        record: ClientRecord,
        nudge: Nudge,
        due: Due | None,
        now: datetime,
        report: ScanReport,
        *,
        client: WebClient,
    ) -> None:
        cid = record.client.client_id
        try:
            channel = nudge.channel or self.poster.channel(client, record)
            if not channel:
                logger.warning(
                    "Nudge %s for client %s has nowhere to go: no channel, owner, NUDGE_CHANNEL "
                    "or person who added it; `/client set <name> in #channel` fixes it",
                    nudge.key,
                    cid,
                )
                if nudge.undeliverable != NO_ROUTE:
                    self._set(team, cid, nudge.key, undeliverable=NO_ROUTE)
                report.failed.append(nudge.key)
                return
            if not nudge.versions and due is not None:
                text = self.suggestions.text(record, due, self._today(now))
                nudge = self._set(
                    team,
                    cid,
                    nudge.key,
                    channel=channel,
                    versions=(TextVersion(text, TACTFUL, now),),
                    facts_key=due.facts_key,
                )
            if not nudge.ts:
                nudge, ts = self._attempt(team, cid, nudge, now, "alert", 1, channel, client)
                if ts is None:
                    ts = self.poster.send(
                        client,
                        channel,
                        self.suggestions.alert(
                            record, nudge.situation, nudge.stage, nudge.late, due
                        ),
                        ui.metadata(team, cid, nudge.key, "alert"),
                    )
                nudge = self._set(team, cid, nudge.key, ts=ts, undeliverable="")
            if not nudge.thread_ts:
                nudge, thread_ts = self._attempt(
                    team, cid, nudge, now, "suggestion", 2, channel, client
                )
                if thread_ts is None:
                    thread_ts = self.poster.send(
                        client,
                        channel,
                        self.thread_body(record, nudge, [], open_=True),
                        ui.metadata(team, cid, nudge.key, "suggestion"),
                        thread_ts=nudge.ts,
                    )
                self._posted(team, cid, nudge.key, thread_ts, now)
            report.posted.append(nudge.key)
        except SlackApiError as err:
            status = err.response.status_code
            wait = timedelta(seconds=retry_after(err.response.headers) if status == 429 else 0)
            error = err.response.get("error")
            logger.warning(
                "Slack refused nudge %s for client %s: HTTP %s %s; will retry",
                nudge.key,
                cid,
                status,
                error,
            )
            changes: dict[str, Any] = {"next_attempt_at": now + wait}
            if error in REFUSED_FOR_GOOD:
                # Waiting won't help: the team is shown why until it is fixed. With nothing
                # posted yet, the route is asked afresh next time, so a new setting counts.
                changes["undeliverable"] = error
                if not nudge.ts:
                    changes["channel"] = ""
            self._set(team, cid, nudge.key, **changes)
            report.failed.append(nudge.key)
            if status == 429:
                raise RateLimited from None
        except NotRuledOut as err:
            logger.warning("%s; will retry", err)
            report.failed.append(nudge.key)
        except OSError as err:  # timeouts, refused or reset connections, DNS failures
            logger.warning(
                "Could not reach Slack for nudge %s of client %s (%s); will retry",
                nudge.key,
                cid,
                err.__class__.__name__,
            )
            report.failed.append(nudge.key)

    def _attempt(
        self,
        team: str,
        cid: str,
        nudge: Nudge,
        now: datetime,
        part: str,
        first: int,
        channel: str,
        client: WebClient,
    ) -> tuple[Nudge, str | None]:
        """Write the attempt down before posting `part` (its `first` attempt is that number);
        a later attempt first looks for an earlier one that landed unacknowledged: (nudge, its
        ts) if found, else (nudge, None) with the moment of sending written down, for the next
        look-up's window. A look-up alone (found nothing, was rate limited) leaves that moment
        as it was: it still marks the last time this part was sent."""
        retry = nudge.attempts + 1 > first
        since = nudge.attempted_at
        nudge = self._set(
            team,
            cid,
            nudge.key,
            channel=channel,
            attempts=nudge.attempts + 1,
            **({} if retry else {"attempted_at": now}),
        )
        if not retry:
            return nudge, None
        found = self.poster.find(client, channel, cid, nudge, part, since)
        if found:
            return nudge, found
        return self._set(team, cid, nudge.key, attempted_at=now), None

    def deliver(
        self, team: str, client_id: str, key: str, now: datetime, *, client: WebClient | None = None
    ) -> bool:
        return self.delivery.deliver(team, client_id, key, now, client=client)

    def route(self, record: ClientRecord) -> Route:
        return self.poster.route(record)

    # store updates -----------------------------------------------------------------------
    def _set(self, team: str, client_id: str, key: str, **changes: Any) -> Nudge:
        return update_nudge(self.store, team, client_id, key, **changes)

    def _posted(self, team: str, client_id: str, key: str, thread_ts: str, now: datetime) -> None:
        today = self._today(now)

        def change(record: ClientRecord):
            nudge = replace(
                record.nudges[key],
                thread_ts=thread_ts,
                status=NudgeStatus.POSTED,
                next_attempt_at=None,
                undeliverable="",
            )
            record = replace(record, nudges={**record.nudges, key: nudge})
            text = f"{nudge.situation}, step {nudge.stage}" + (" (late)" if nudge.late else "")
            return log(record, TACTFUL, now, Draft(Kind.NUDGED, today, text=text, ref=key))

        self.store.update(team, client_id, change)

    def thread_body(
        self,
        record: ClientRecord,
        nudge: Nudge,
        footer: list[str],
        *,
        open_: bool,
        sent_button: bool = False,
        email: str = "",
    ) -> dict[str, Any]:
        return self.suggestions.thread_body(
            record, nudge, footer, open_=open_, sent_button=sent_button, email=email
        )


# Names other modules and tests import from here.
__all__ = [
    "MAX_LOOKUP_PAGES",
    "REFUSED_FOR_GOOD",
    "TACTFUL",
    "NotRuledOut",
    "NudgeEngine",
    "NudgeSchedule",
    "Pacer",
    "ScanReport",
    "WorkingHours",
    "retry_after",
]
