"""One nudge pass: decide what is due, record it, then post it to Slack exactly once.

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
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from babel.lists import format_list
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.facts import ControllingFacts, OverdueFacts, QuietFacts
from domain.inputs import escape
from domain.invoices import owed
from domain.models import ClientRecord, Kind, Nudge, NudgeStatus, TextVersion
from domain.money import LOCALES, format_totals
from domain.nudges import (
    DEFAULT_HOURS,
    DEFAULT_LADDERS,
    UNDELIVERED,
    Due,
    Ladders,
    current,
    due_nudges,
    next_check,
    prune,
    snoozed,
)
from domain.routing import NO_ROUTE, Route, Via, nudge_route
from service.commands import Draft, log
from service.decisions import mark_sent
from storage.base import DamagedRecord, Store
from ui import nudges as ui
from ui.client_message import Letterhead, client_message
from ui.plaintext import mrkdwn_to_text
from ui.replies import day
from ui.wording import Wording

logger = logging.getLogger(__name__)
TACTFUL = "tactful"  # who wrote the first version of a suggestion
# Pages of channel history read when looking for a post that landed unacknowledged.
MAX_LOOKUP_PAGES = 20
# Slack errors that retrying won't cure: a setting must change (or the bot be invited).
REFUSED_FOR_GOOD = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
    }
)


@dataclass(frozen=True)
class WorkingHours:
    tz: tzinfo
    days: tuple[int, ...] = DEFAULT_HOURS.days
    start: time = DEFAULT_HOURS.start
    end: time = DEFAULT_HOURS.end

    def open_at(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        return local.weekday() in self.days and self.start <= local.time() < self.end


class Pacer:
    """About one message per second per channel, as Slack asks of chat.postMessage."""

    def __init__(
        self,
        sleep: Callable[[float], None] = _time.sleep,
        monotonic: Callable[[], float] = _time.monotonic,
        gap: float = 1.0,
    ) -> None:
        self.sleep, self.monotonic, self.gap = sleep, monotonic, gap
        self.last: dict[str, float] = {}

    def __call__(self, channel: str) -> None:
        since = self.monotonic() - self.last.get(channel, float("-inf"))
        if since < self.gap:
            self.sleep(self.gap - since)
        self.last[channel] = self.monotonic()


class NudgeSchedule:
    """When the pass next needs to look at a client, for the store's checks index."""

    def __init__(
        self,
        tz: tzinfo,
        ladders: Ladders = DEFAULT_LADDERS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.tz, self.ladders = tz, ladders
        self.clock = clock or (lambda: datetime.now(UTC))
        # Entries made under other rules vouch for nothing.
        self.fingerprint = f"v1|{tz}|{ladders!r}"

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def check_on(self, record: ClientRecord, today: date) -> date:
        return next_check(record, today, self.ladders)


@dataclass
class ScanReport:
    recorded: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)
    # Records that could not be read (damaged files), skipped: the store logs their paths.
    unreadable: list[str] = field(default_factory=list)
    outside_hours: bool = False

    def summary(self) -> str:
        return (
            f"{len(self.recorded)} new, {len(self.posted)} posted, {len(self.failed)} to retry, "
            f"{len(self.stale)} no longer needed"
            + (f", {len(self.unreadable)} unreadable (see the log)" if self.unreadable else "")
            + (" (outside working hours: posting waits)" if self.outside_hours else "")
        )


class _NotDue(Exception):
    """Raised inside a store change to write nothing."""


class _RateLimited(Exception):
    pass


class NotRuledOut(Exception):
    """An earlier attempt may have landed, and the look-up could not find it or rule it out.

    Its own type, not LookupError: a KeyError or IndexError is a bug, and must not pass for
    this expected, retry-next-pass condition."""


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
    ) -> None:
        self.store, self.wording, self.client = store, wording, client
        self.letterhead = letterhead or Letterhead()
        self.tz, self.hours, self.ladders = tz, hours, ladders
        self.nudge_channel = nudge_channel
        self.pace = pace or Pacer()

    # the pass --------------------------------------------------------------------------
    def scan(self, now: datetime, *, dry_run: bool = False) -> ScanReport:
        """Run one pass at `now`. A dry run posts and stores nothing and fills `preview`."""
        report = ScanReport()
        today = self._today(now)
        with_pending: list[tuple[str, str]] = []
        looked_at: dict[str, list[str]] = {}
        for team in self.store.teams():
            # Only clients whose next check has come (the store's checks index), one at a time:
            # a big workspace's records are never all read, nor all in memory at once.
            try:
                due_ids = self.store.due_for_check(team, today)
            except DamagedRecord as err:
                # The team's name index itself: nothing of this team can be found today, but
                # every other team's nudges still go out.
                report.unreadable.append(str(err.path))
                continue
            for cid in due_ids:
                looked_at.setdefault(team, []).append(cid)
                try:
                    if self._look_at(team, cid, today, now, report, dry_run):
                        with_pending.append((team, cid))
                except DamagedRecord as err:
                    # One damaged file costs its own client's nudges, never anyone else's.
                    report.unreadable.append(str(err.path))
        if dry_run:
            return report
        if not self.hours.open_at(now):
            report.outside_hours = bool(with_pending)
        else:
            limited: set[str] = set()
            for team, cid in with_pending:
                if team in limited:
                    continue
                try:
                    self._post_client(team, cid, now, report)
                except _RateLimited:
                    limited.add(team)  # Slack asked us to wait: the rest of this team waits too
                except DamagedRecord as err:
                    report.unreadable.append(str(err.path))
                except Exception:
                    # One client's trouble must not starve every other client of its nudges;
                    # its pending nudge stays pending for the next pass.
                    logger.exception("Posting nudges for client %s of team %s failed", cid, team)
                    report.failed.append(f"{cid}: error")
        for team, cids in looked_at.items():
            self.store.refresh_checks(team, cids)  # so the next pass skips what isn't due
        return report

    def _look_at(
        self, team: str, cid: str, today: date, now: datetime, report: ScanReport, dry_run: bool
    ) -> bool:
        """Record what is newly due for one client; True if it has something to post."""
        record = self.store.get(team, cid)
        if record is None:
            return False
        dues = due_nudges(record, today, self.ladders)
        pending = [n for n in record.nudges.values() if n.status is NudgeStatus.PENDING]
        undelivered = any(n.delivery in UNDELIVERED for n in record.nudges.values())
        if dry_run:
            report.preview += [self._preview(record, d, today) for d in dues]
            report.preview += [self._preview(record, n, today) for n in pending]
            return False
        for due in dues:
            if self._record(team, cid, due, now):
                report.recorded.append(f"{record.client.name}: {due.key}")
        return bool(dues or pending or undelivered)

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    # step 1: record ----------------------------------------------------------------------
    def _record(self, team: str, client_id: str, due: Due, now: datetime) -> bool:
        today = self._today(now)

        def change(record: ClientRecord):
            fresh = {d.key: d for d in due_nudges(record, today, self.ladders)}
            if due.key not in fresh:
                raise _NotDue  # another pass recorded it first, or the client acted
            kept = prune(record, today, self.ladders)
            return replace(record, nudges={**kept, due.key: fresh[due.key].as_nudge(now)}), []

        try:
            self.store.update(team, client_id, change)
        except _NotDue:
            return False
        return True

    # step 2: post ------------------------------------------------------------------------
    def _post_client(self, team: str, client_id: str, now: datetime, report: ScanReport) -> None:
        record = self.store.get(team, client_id)
        if record is None:
            return
        today = self._today(now)
        for nudge in record.nudges.values():
            if nudge.delivery in UNDELIVERED and not self.deliver(team, client_id, nudge.key, now):
                report.failed.append(f"{nudge.key} (delivery)")
        facts = current(record, today, self.ladders)
        for nudge in sorted(record.nudges.values(), key=lambda n: n.created_at):
            if nudge.status is not NudgeStatus.PENDING:
                continue
            if nudge.next_attempt_at and nudge.next_attempt_at > now:
                report.failed.append(nudge.key)
                continue
            now_due = facts.get(nudge.situation)
            moved_on = (
                record.client.archived
                or now_due is None
                or now_due.subject != nudge.subject
                or now_due.stage > nudge.stage
            )
            if moved_on and not nudge.ts:
                # The client replied or paid, or things reached a later stage, before this was
                # posted: a message about the old situation would be wrong.
                self._set(team, client_id, nudge.key, status=NudgeStatus.STALE)
                report.stale.append(nudge.key)
                continue
            if snoozed(record, nudge.situation, today):
                continue
            self._post_nudge(team, record, nudge, now_due, now, report)

    def _post_nudge(
        self,
        team: str,
        record: ClientRecord,
        nudge: Nudge,
        due: Due | None,
        now: datetime,
        report: ScanReport,
    ) -> None:
        cid = record.client.client_id
        try:
            channel = nudge.channel or self._channel(record)
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
                text = self._suggestion_text(record, due, self._today(now))
                nudge = self._set(
                    team,
                    cid,
                    nudge.key,
                    channel=channel,
                    versions=(TextVersion(text, TACTFUL, now),),
                    facts_key=due.facts_key,
                )
            if not nudge.ts:
                nudge = self._set(
                    team, cid, nudge.key, channel=channel, attempts=nudge.attempts + 1
                )
                ts = (
                    self._find(channel, cid, nudge, "alert") if nudge.attempts > 1 else None
                ) or self._send(
                    channel,
                    self._alert(record, nudge.situation, nudge.stage, nudge.late, due),
                    ui.metadata(team, cid, nudge.key, "alert"),
                )
                nudge = self._set(team, cid, nudge.key, ts=ts, undeliverable="")
            if not nudge.thread_ts:
                nudge = self._set(team, cid, nudge.key, attempts=nudge.attempts + 1)
                body = self.thread_body(record, nudge, [], open_=True)
                thread_ts = (
                    self._find(channel, cid, nudge, "suggestion") if nudge.attempts > 2 else None
                ) or self._send(
                    channel,
                    body,
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
                raise _RateLimited from None
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

    def deliver(self, team: str, client_id: str, key: str, now: datetime) -> bool:
        """Post an approved message in the client's shared channel, exactly once: the attempt
        is written down first, and a retried attempt looks for the post before posting again.
        True once it is there; False if it must wait for the next pass."""
        record = self.store.get(team, client_id)
        nudge = record.nudges.get(key) if record else None
        if record is None or nudge is None or nudge.delivery not in UNDELIVERED:
            return bool(nudge and nudge.delivery)
        channel = record.client.shared_channel
        try:
            retrying = nudge.delivery == "posting"
            nudge = self._set(team, client_id, key, delivery="posting")
            ts = (
                self._find(channel, client_id, nudge, "delivered") if retrying else None
            ) or self._send(
                channel,
                # Escaped: what the client sees is exactly the approved words, nothing live.
                {"text": escape(nudge.versions[-1].text)},
                ui.metadata(team, client_id, key, "delivered"),
            )
        except (SlackApiError, NotRuledOut, OSError) as err:
            logger.warning(
                "Approved message %s for client %s not yet in its shared channel (%s); will retry",
                key,
                client_id,
                err,
            )
            return False
        self._delivered(team, client_id, key, ts, now)
        return True

    def _delivered(self, team: str, client_id: str, key: str, ts: str, now: datetime) -> None:
        """Posted in the shared channel: stored with the post's ts, and logged as sent, in one
        change (so a retried delivery that finds its post is not logged twice)."""
        today = self._today(now)

        def change(record: ClientRecord):
            nudge = replace(record.nudges[key], delivery=ts)
            record = replace(record, nudges={**record.nudges, key: nudge})
            if nudge.sent_at is not None:
                return record, []
            record, drafts = mark_sent(
                record, nudge, TACTFUL, now, today, how="posted in the shared channel"
            )
            return log(record, TACTFUL, now, *drafts)

        self.store.update(team, client_id, change)

    def route(self, record: ClientRecord) -> Route:
        return nudge_route(record.client, self.nudge_channel)

    def _channel(self, record: ClientRecord) -> str:
        """The channel to post in ("" if there is none), opening the DM when it is one."""
        route = self.route(record)
        if route.is_dm:
            assert self.client is not None
            return self.client.conversations_open(users=route.target)["channel"]["id"]
        return route.target

    def _send(
        self,
        channel: str,
        body: dict[str, Any],
        metadata: dict[str, Any],
        thread_ts: str | None = None,
    ) -> str:
        assert self.client is not None
        self.pace(channel)
        response = self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
            **body,
        )
        return response["ts"]

    def _find(self, channel: str, client_id: str, nudge: Nudge, part: str) -> str | None:
        """The ts of a post of ours for this nudge that Slack has although we never stored it.

        Every page since the nudge was recorded is read: a busy channel can bury it."""
        assert self.client is not None
        wanted = (client_id, nudge.key, part)  # keys are per client: the client is in the match
        if part in ("alert", "delivered"):
            # Posting only starts once the nudge is recorded (or approved); a little slack for
            # clock skew.
            since = (
                nudge.decided_at if part == "delivered" and nudge.decided_at else nudge.created_at
            )
            oldest = (since - timedelta(minutes=10)).timestamp()
            call, args = self.client.conversations_history, {"oldest": f"{oldest:.6f}"}
        else:
            call, args = self.client.conversations_replies, {"ts": nudge.ts}
        for _page in range(MAX_LOOKUP_PAGES):
            response = call(channel=channel, include_all_metadata=True, limit=200, **args)
            for message in response.get("messages", []):
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if (payload.get("client_id"), payload.get("key"), payload.get("part")) == wanted:
                    logger.info(
                        "Nudge %s was already in Slack (ts %s): not posting it again",
                        nudge.key,
                        message["ts"],
                    )
                    return message["ts"]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
            args["cursor"] = cursor
        # Not found in MAX_LOOKUP_PAGES pages: don't risk a second copy; retry next pass.
        raise NotRuledOut(f"could not rule out an earlier post of {nudge.key} in {channel}")

    # store updates -----------------------------------------------------------------------
    def _set(self, team: str, client_id: str, key: str, **changes: Any) -> Nudge:
        def change(record: ClientRecord):
            nudge = replace(record.nudges[key], **changes)
            return replace(record, nudges={**record.nudges, key: nudge}), []

        return self.store.update(team, client_id, change).nudges[key]

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
            text = f"{nudge.situation}, stage {nudge.stage}" + (" (late)" if nudge.late else "")
            return log(record, TACTFUL, now, Draft(Kind.NUDGED, today, text=text, ref=key))

        self.store.update(team, client_id, change)

    # wording -----------------------------------------------------------------------------
    def values(self, record: ClientRecord, due: Due) -> dict[str, str]:
        """Template values for a due nudge (plain text; escaped where shown in mrkdwn)."""
        client = record.client
        values = {
            "client": client.name,
            "contact": client.contact or self.wording.default_contact(client.lang),
        }
        facts = due.facts
        if isinstance(facts, QuietFacts):
            values |= {
                # Every open request, oldest first, not only the one whose clock runs longest.
                "asked_what": format_list(
                    [a.what for a in facts.asks], locale=LOCALES.get(client.lang, "en")
                ),
                "asked_on": day(facts.asked_on),
                "days": str(facts.days),
            }
        elif isinstance(facts, OverdueFacts):
            invoices = facts.invoices
            values |= {
                "refs": ", ".join(f"#{i.ref}" for i in invoices),
                # What is still owed, never the original total once something was paid.
                "amount": format_totals(owed(invoices), client.lang),
                "due_on": day(min(i.due_on for i in invoices)),
                "days_overdue": str(facts.days_overdue),
                "days": str(facts.days_overdue),
            }
        elif isinstance(facts, ControllingFacts):
            values |= {
                "revisions": str(facts.rounds),
                "window_days": str(facts.window_days),
                "days": str(facts.window_days),
            }
        return values

    def _suggestion_text(self, record: ClientRecord, due: Due, today: date) -> str:
        facts = due.facts if due.facts.step == due.stage else replace(due.facts, step=due.stage)
        return client_message(self.wording, record, facts, today, self.letterhead)

    def thread_body(
        self,
        record: ClientRecord,
        nudge: Nudge,
        footer: list[str],
        *,
        open_: bool,
        sent_button: bool = False,
    ) -> dict[str, Any]:
        """The thread reply for a nudge: its latest text, why this wording, and a footer."""
        c = record.client
        why = self.wording.why(c.lang, nudge.situation, nudge.stage, c.client_type.value, c.name)
        intro = self.wording.team("suggestion_intro", {"client": c.name})
        return ui.thread_message(
            intro,
            why,
            nudge.versions[-1].text,
            c.client_id,
            nudge.key,
            footer,
            open_=open_,
            sent_button=sent_button,
        )

    def _headline(self, record: ClientRecord, situation: str, due: Due | None) -> str:
        """The team's one-line alert, as escaped mrkdwn."""
        owner = record.client.owner
        mention = f"<@{owner}> " if owner else ""
        if due is None:  # no facts left to fill in (only for a retried, already-attempted post)
            return f"{mention}*{escape(record.client.name)}* needs attention ({situation})."
        # One line: a line break in a logged ask must not start a line of its own in the alert.
        values = {k: escape(" ".join(v.split())) for k, v in self.values(record, due).items()}
        return self.wording.team(f"nudge_{situation}", {**values, "owner": mention})

    def _alert(
        self, record: ClientRecord, situation: str, stage: int, late: bool, due: Due | None
    ) -> dict[str, Any]:
        stage_line = self.wording.stage_line(situation, stage)
        late_line = self.wording.team("late", {}) if late else ""
        why_you = ""
        if self.route(record).via is Via.CREATOR_DM:
            why_you = ui.creator_dm_line(record.client.name)
        return ui.alert(self._headline(record, situation, due), stage_line, late_line, why_you)

    def _preview(self, record: ClientRecord, item: Due | Nudge, today: date) -> str:
        if isinstance(item, Nudge):
            due = current(record, today, self.ladders).get(item.situation)
            if due is None:
                return f"[{record.client.name}] {item.key}: pending, no longer needed (would be dropped)"
            item = replace(due, stage=item.stage, late=item.late)
        # Plain text, not Block Kit: a dry run over a big store previews thousands of these.
        headline = mrkdwn_to_text(self._headline(record, item.situation, item)).replace("*", "")
        text = self._suggestion_text(record, item, today)
        late = " (late: earlier stages were missed)" if item.late else ""
        return f"[{record.client.name}] {item.key}{late}\n{headline}\n  suggested: {text}"


def retry_after(headers: Any) -> int:
    """Seconds Slack asked us to wait (1 to 3600), or 60 if it didn't say."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(1, min(int(raw), 3600))
            except (TypeError, ValueError):
                return 60
    return 60
