"""Mail to the BCC address: the workspace's address, reading a message, and matching it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.commands import Set, parse
from domain.email_in import (
    BadMail,
    html_to_text,
    local_part,
    matches,
    new_words,
    read_mail,
    team_of,
)
from domain.inputs import InputError
from domain.models import Client, ClientRecord

SECRET = "a-long-secret-for-tests"
TODAY = date(2026, 11, 27)


def test_each_workspace_has_its_own_unguessable_address() -> None:
    one, two = local_part(SECRET, "T0ONE"), local_part(SECRET, "T0TWO")
    assert team_of(SECRET, f"{one}@in.example") == "T0ONE"
    assert team_of(SECRET, f"<{one.upper()}@IN.EXAMPLE>") == "T0ONE"  # a relay folded case
    assert team_of(SECRET, f"{two}@x.example") == "T0TWO"
    # Workspace one's token with workspace two's id: refused.
    token = one.rpartition("-")[2]
    assert team_of(SECRET, f"log+T0TWO-{token}@in.example") is None
    assert team_of("another-secret-entirely", f"{one}@in.example") is None
    assert team_of(SECRET, "log+T0ONE@in.example") is None
    assert team_of("", f"{one}@in.example") is None


def mail(headers: str, body: str = "Hello") -> bytes:
    return (headers.strip().replace("\n", "\r\n") + "\r\n\r\n" + body).encode()


def test_a_message_is_read_for_who_wrote_to_whom() -> None:
    m = read_mail(
        mail(
            """
From: "Jo, Bloggs" <Jo@Acme.com>
To: sam@agency.test, "Lee" <lee@agency.test>
Cc: boss@acme.com
Subject: Re: files
Message-ID: <abc@acme.com>
Date: Thu, 26 Nov 2026 16:00:00 +0000
"""
        )
    )
    assert m.sender == "jo@acme.com"
    assert m.recipients == ("sam@agency.test", "lee@agency.test", "boss@acme.com")
    assert m.key == "mail:<abc@acme.com>"
    assert m.written_at == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert m.text.strip() == "Hello"


def test_without_a_message_id_the_same_bytes_are_the_same_message() -> None:
    raw = mail("From: jo@acme.com\nSubject: hi")
    assert read_mail(raw).key == read_mail(raw).key
    assert read_mail(raw).key != read_mail(raw + b"!").key


def test_mail_without_a_sender_is_refused() -> None:
    with pytest.raises(BadMail):
        read_mail(mail("Subject: who am I"))
    with pytest.raises(BadMail):
        read_mail(mail("From: not an address"))


def test_only_the_new_words_are_kept_without_links() -> None:
    text = "Sure, see https://x.test/a?b=1 and www.y.test\n\nOn Tue, Sam wrote:\n> old"
    assert new_words(text) == "Sure, see [link] and [link]"
    assert new_words("> quoted\nmine") == "mine"


def test_html_is_read_as_words() -> None:
    assert html_to_text("<p>A &amp; B</p><script>x()</script><p>C</p>") == "A & B\nC"


def record(client_id: str, emails=(), domains=(), archived=False) -> ClientRecord:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    client = Client("T1", client_id, client_id, "U1", now, emails=emails, domains=domains)
    return ClientRecord(client=Client(**{**client.__dict__, "archived": archived}))


def test_the_client_is_matched_by_address_before_domain() -> None:
    acme = record("acme", domains=("acme.com",))
    jo = record("jo-projects", emails=("jo@acme.com",))
    raw = mail("From: jo@acme.com\nTo: sam@agency.test\nMessage-ID: <1@a>")
    assert [(m.client_id, m.from_client) for m in matches([acme, jo], read_mail(raw))] == [
        ("jo-projects", True)
    ]
    raw = mail("From: lee@acme.com\nMessage-ID: <2@a>")
    assert [m.client_id for m in matches([acme, jo], read_mail(raw))] == ["acme"]


def test_mail_from_the_team_matches_the_clients_it_was_sent_to() -> None:
    acme = record("acme", emails=("jo@acme.com",))
    raw = mail("From: sam@agency.test\nTo: jo@acme.com\nMessage-ID: <3@a>")
    assert [(m.client_id, m.from_client) for m in matches([acme], read_mail(raw))] == [
        ("acme", False)
    ]
    raw = mail("From: sam@agency.test\nTo: someone@else.test\nMessage-ID: <4@a>")
    assert matches([acme], read_mail(raw)) == []


def test_an_active_client_wins_over_an_archived_one() -> None:
    old = record("old", emails=("jo@acme.com",), archived=True)
    new = record("new", emails=("jo@acme.com",))
    raw = mail("From: jo@acme.com\nMessage-ID: <5@a>")
    assert [m.client_id for m in matches([old, new], read_mail(raw))] == ["new"]


def test_client_settings_take_addresses_and_domains() -> None:
    c = parse(
        "set acme email <mailto:Jo@Acme.com|Jo@Acme.com>, sam@acme.com domain acme.com", TODAY
    )
    assert isinstance(c, Set)
    assert c.options.emails == ("jo@acme.com", "sam@acme.com")
    assert c.options.domains == ("acme.com",)
    c = parse("set acme email none", TODAY)
    assert isinstance(c, Set) and c.options.emails == ()


@pytest.mark.parametrize("domain", ["gmail.com", "Outlook.com", "<http://hotmail.com|hotmail.com>"])
def test_a_public_mail_provider_is_refused_as_a_domain(domain: str) -> None:
    with pytest.raises(InputError, match="public mail provider"):
        parse(f"set acme domain {domain}", TODAY)
