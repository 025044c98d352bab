"""Mail to the BCC address, read and matched to clients. Pure: bytes in, typed facts out.

The recipient address names the workspace: `log+<team>-<token>@…`, where the token is an HMAC
of the team id under EMAIL_SECRET. Knowing one workspace's address tells nothing about
another's, so a forged From can only ever reach the clients of the workspace whose address
was used, never another workspace's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from domain.models import ClientRecord

# Mail providers anyone can sign up to: a client "domain" among these would match everyone.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "btinternet.com",
    }
)
# The header Tactful puts on what it sends (service/email_out.py): "<client id>/<nudge key>".
NUDGE_HEADER = "X-Tactful-Nudge"
LOCAL_PREFIX = "log+"
_TOKEN_CHARS = 20
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_QUOTE_START = re.compile(
    r"(?im)^(?:on\s.{0,200}\swrote:\s*$|-{2,}\s*original message\s*-{2,}|from:\s.+$)"
)


class BadMail(Exception):
    """Mail that can't be read as a message (no sender, unreadable MIME)."""


def mail_address(text: str) -> str | None:
    """`text` as a lower-case email address, or None if it isn't one."""
    text = text.strip().lower()
    return text if _ADDRESS.match(text) and ".." not in text else None


def mail_domain(text: str) -> str | None:
    """`text` as a lower-case domain (`acme.com`, also given as `@acme.com`), or None."""
    text = text.strip().lower().removeprefix("@")
    return text if _DOMAIN.match(text) and len(text) <= 253 else None


def is_public_domain(domain: str) -> bool:
    return domain.lower() in PUBLIC_MAIL_DOMAINS


# The workspace's address -------------------------------------------------------------------
def workspace_token(secret: str, team: str) -> str:
    digest = hmac.new(secret.encode(), team.upper().encode(), hashlib.sha256).hexdigest()
    return digest[:_TOKEN_CHARS]


def local_part(secret: str, team: str) -> str:
    """The part before the @ of the workspace's BCC address: `log+T0123-<token>`."""
    return f"{LOCAL_PREFIX}{team.upper()}-{workspace_token(secret, team)}"


def team_of(secret: str, recipient: str) -> str | None:
    """The workspace a recipient address is for, if it is one of ours (any domain: the relay
    in front decides which domains reach us). Case-insensitive: some relays fold case."""
    local = recipient.strip().strip("<>").rpartition("@")[0].lower()
    if not secret or not local.startswith(LOCAL_PREFIX):
        return None
    team, _, token = local.removeprefix(LOCAL_PREFIX).rpartition("-")
    if not re.fullmatch(r"[te][a-z0-9]{2,31}", team):
        return None
    expected = workspace_token(secret, team)
    return team.upper() if hmac.compare_digest(token.encode(), expected.encode()) else None


# Reading a message ---------------------------------------------------------------------------
@dataclass(frozen=True)
class InboundMail:
    """What Tactful keeps of a message: who wrote to whom, its subject and words."""

    key: str  # "mail:<message-id>": what identifies it however often it is delivered
    sender: str  # the From address, lower case
    recipients: tuple[str, ...]  # To and Cc addresses, lower case
    subject: str
    text: str  # plain text: the text part, or the HTML part with its tags stripped
    written_at: datetime | None
    nudge: str = ""  # NUDGE_HEADER, if Tactful sent it

    @property
    def message_id(self) -> str:
        """Its Message-ID (`<...>`), or "" when it has none (known by its bytes instead)."""
        key = self.key.removeprefix("mail:")
        return key if key.startswith("<") and key.endswith(">") else ""


def read_mail(raw: bytes) -> InboundMail:
    """The message in `raw`.

    Raises:
        BadMail: no readable From address, or MIME that can't be read.
    """
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(msg, EmailMessage)
        senders = _addresses(msg.get_all("From", []))
        recipients = _addresses([*msg.get_all("To", []), *msg.get_all("Cc", [])])
        subject = " ".join(str(msg.get("Subject", "")).split())
        message_id = str(msg.get("Message-ID", "")).strip()
        text = _text_of(msg)
        written_at = _date(msg)
        nudge = str(msg.get(NUDGE_HEADER, "")).strip()
    except BadMail:
        raise
    except Exception as err:  # the email package raises many kinds on broken input
        raise BadMail(f"unreadable MIME ({err.__class__.__name__})") from None
    if not senders:
        raise BadMail("no From address")
    # Without a Message-ID a retried delivery is only recognisable by its bytes.
    key = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    return InboundMail(
        f"mail:{key[:300]}", senders[0], tuple(recipients), subject, text, written_at, nudge
    )


def _addresses(values: Iterable[object]) -> list[str]:
    found = []
    for _, addr in getaddresses([str(v) for v in values]):
        address = mail_address(addr)
        if address and address not in found:
            found.append(address)
    return found


def _date(msg: EmailMessage) -> datetime | None:
    try:
        when = parsedate_to_datetime(str(msg.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def _text_of(msg: EmailMessage) -> str:
    """The message's words: its plain text part, else its HTML part as text. Attachments are
    never opened, and nothing is run."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_subtype() == "html" else content


class _Text(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title"})
    _BREAK = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """HTML as its words: tags dropped, scripts and styles left out, entities decoded."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def new_words(text: str) -> str:
    """What the writer wrote this time: the quoted earlier mail (`> ` lines, "On … wrote:",
    an "Original Message" block) cut off, and links left out (`[link]`)."""
    m = _QUOTE_START.search(text)
    if m and m.start() > 0:
        text = text[: m.start()]
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return _URL.sub("[link]", "\n".join(lines)).strip()


def words(text: str) -> str:
    """Text compared as words only: any case, any line breaks, any punctuation and quoting."""
    return " ".join(re.findall(r"\w+", text.casefold()))


# Who it is from, and for -----------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    """A client a message is about: `from_client` (their reply) or not (the team writing to
    them)."""

    client_id: str
    from_client: bool


def is_theirs(record: ClientRecord, address: str) -> bool:
    """Whether `address` is one of the client's addresses, or at one of their domains."""
    client = record.client
    return address in client.emails or address.rpartition("@")[2] in client.domains


def matches(records: Iterable[ClientRecord], mail: InboundMail) -> list[Match]:
    """The clients the message is about: those it is from (their address first, then their
    domain); else, when the team wrote it, the clients it was written to. Archived clients
    only when no active one matches."""
    records = sorted(records, key=lambda r: r.client.archived)
    active = [r for r in records if not r.client.archived] or records

    def pick(test) -> list[ClientRecord]:
        hits = [r for r in active if test(r)]
        return hits or [r for r in records if test(r)]

    by_address = pick(lambda r: mail.sender in r.client.emails)
    senders = by_address or pick(lambda r: is_theirs(r, mail.sender))
    if senders:
        return [Match(r.client.client_id, True) for r in senders]
    to = pick(lambda r: any(is_theirs(r, a) for a in mail.recipients))
    return [Match(r.client.client_id, False) for r in to]


def address_of(text: str) -> str:
    """`Name <a@b>` for a header, from "Name" and an address (quoted as needed)."""
    return str(Address(addr_spec=text))
