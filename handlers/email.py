"""The BCC address: an SMTP listener (aiosmtpd) that logs client mail (service/email_in.py).

The SMTP conversation decides, in order:
- MAIL FROM: with EMAIL_ALLOWED_DOMAINS set, an envelope sender at another domain gets 550.
- RCPT TO: only a workspace's own address (`log+<team>-<token>@…`, domain/email_in.py) is
  accepted; any other recipient gets 550, so the listener relays nothing and a guessed
  address reaches no one.
- SIZE / DATA: more than EMAIL_MAX_BYTES gets 552 (aiosmtpd stops reading at the cap).
- DATA: unreadable mail gets 550 (sending it again won't help). Mail for no known client gets
  250 and is dropped, counted in the log: the BCC sees all of the team's mail, and a bounce
  for each mail that isn't a client's would only go back to the team. Anything logged is
  stored before the 250; if storing fails the answer is 451, and the server tries again later.
Nothing in a message is run or opened: the text part (or the HTML part's words) is read,
attachments never.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiosmtpd.controller import Controller

from domain.email_in import BadMail, InboundMail, mail_address, read_mail, team_of
from service.email_in import Logged, MailLog

logger = logging.getLogger(__name__)
# aiosmtpd logs every command line at INFO, recipients (which hold the secret) included.
LIBRARY_LOGGER = "mail.log"


class BccInbox:
    """The aiosmtpd handler: its `handle_*` hooks answer each step of the conversation.

    Args:
        mail: the service that logs what arrives.
        secret: EMAIL_SECRET.
        allowed_domains: EMAIL_ALLOWED_DOMAINS (empty: any envelope sender).
        clock: now.
    """

    def __init__(
        self,
        mail: MailLog,
        secret: str,
        clock: Callable[[], datetime],
        allowed_domains: tuple[str, ...] = (),
    ) -> None:
        self.mail, self.secret, self.clock = mail, secret, clock
        self.allowed = allowed_domains
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, what: str) -> int:
        with self._lock:
            self.counts[what] += 1
            return self.counts[what]

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        domain = (mail_address(address) or "").rpartition("@")[2]
        if self.allowed and domain not in self.allowed:
            n = self.count("sender refused")
            logger.info("Refused mail from a sender outside EMAIL_ALLOWED_DOMAINS (%d so far)", n)
            return "550 5.7.1 Sender not accepted here"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if team_of(self.secret, address) is None:
            n = self.count("recipient refused")
            # Never the address: it may be a near miss of the secret one.
            logger.info("Refused mail for an unknown recipient (%d so far)", n)
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        teams = sorted({t for t in (team_of(self.secret, r) for r in envelope.rcpt_tos) if t})
        try:
            mail = read_mail(raw)
        except BadMail as err:
            n = self.count("unreadable")
            logger.info("Refused unreadable mail: %s (%d so far)", err, n)
            return "550 5.6.0 This message can't be read"
        loop = asyncio.get_running_loop()
        try:
            # The store is blocking: off the SMTP loop, and done before the answer.
            await loop.run_in_executor(None, self.deliver, teams, mail)
        except Exception:
            logger.exception("Could not log mail for %s; the sender will try again", teams)
            return "451 4.3.0 Can't store it now, try again later"
        return "250 OK"

    def deliver(self, teams: list[str], mail: InboundMail) -> list[Logged]:
        """Log `mail` for each workspace it was addressed to. Ids only reach the log."""
        done: list[Logged] = []
        for team in teams:
            logged = self.mail.receive(team, mail, self.clock())
            if not logged:
                n = self.count("no client")
                logger.info(
                    "Mail for team %s is from or to none of its clients; left out (%d so far)",
                    team,
                    n,
                )
            for item in logged:
                self.count(item.result)
                logger.info(
                    "Mail for team %s: %s for client %s%s",
                    team,
                    item.result,
                    item.client_id,
                    f" (suggestion {item.nudge})" if item.nudge else "",
                )
            done += logged
        return done


class EmailListener:
    """The SMTP server, in a thread of its own beside the app (bot.py starts and stops it)."""

    def __init__(self, inbox: BccInbox, host: str, port: int, max_bytes: int) -> None:
        logging.getLogger(LIBRARY_LOGGER).setLevel(logging.WARNING)
        self.controller = Controller(
            inbox,
            hostname=host,
            port=port,
            data_size_limit=max_bytes,
            ident="Tactful",
        )
        self.host, self.port = host, port

    def start(self) -> None:
        self.controller.start()
        logger.info("Listening for mail on %s:%d", self.host, self.port)

    def stop(self) -> None:
        self.controller.stop()
