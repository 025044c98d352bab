"""Installing the app as a person's browser does: GET /slack/install, then Slack's redirect
back to /slack/oauth_redirect with a code (from LocalSlack) and the state, cookie and all."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from local_slack import LocalSlack
from tests.slack_http import AppServer


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


def browse(server: AppServer, path: str, cookie: str = "") -> Page:
    """A GET that doesn't follow redirects (urllib would, to slack.com)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        res = conn.getresponse()
        headers = {k.lower(): v for k, v in res.getheaders()}
        return Page(res.status, headers, res.read().decode())
    finally:
        conn.close()


def start_install(server: AppServer) -> tuple[Page, str, str]:
    """The install link: (the page, the state Slack will send back, the browser's cookie)."""
    page = browse(server, "/slack/install")
    state = parse_qs(urlsplit(page.location).query).get("state", [""])[0]
    cookie = page.headers.get("set-cookie", "").split(";", 1)[0]
    return page, state, cookie


def install(server: AppServer, slack: LocalSlack, team: str) -> Page:
    """Someone of `team` installs the app: it should end on Bolt's success page."""
    _page, state, cookie = start_install(server)
    query = urlencode({"code": slack.code_for(team), "state": state})
    return browse(server, f"/slack/oauth_redirect?{query}", cookie)
