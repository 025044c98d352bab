"""A stand-in for Slack's Web API on a loopback port.

The console points SLACK_API_URL here so the real WebClient code path runs end to end with
no Slack; the tests do the same, and script failures (HTTP 500, 429 with Retry-After, slow
answers, `ok: false`) to prove nothing is lost or doubled. It keeps what was posted per
channel, so `conversations.history` answers like Slack would. Given a clock, a message's `ts`
is that clock's time (as Slack's is the time of posting), so time windows can be tested.

For installs into many workspaces it plays Slack's side of OAuth: `code_for(team)` is what
Slack would hand the installer's browser, and `oauth.v2.access` exchanges it for a bot token
of that team alone (rotating, with a refresh token, if `rotating`). Every call records the
token it came with, and `auth.test` answers with the team the token belongs to, so tests can
prove each workspace is only ever spoken to with its own token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qsl

# Where files_upload_v2 sends a file's bytes (Slack's is on files.slack.com; this is loopback).
UPLOAD_PATH = "/upload/v1/"
# Where a slash command's response_url points here: a late answer is recorded as a call to
# RESPONSE_METHOD, its JSON body as the arguments.
RESPONSE_PATH = "/hooks/response/"
RESPONSE_METHOD = "response_url"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str  # the Authorization header, less "Bearer " ("Basic ..." for oauth.v2.access)


@dataclass
class Failure:
    """What the next matching call gets instead of a normal answer."""

    status: int = 500
    body: dict[str, Any] | None = None
    retry_after: int | None = None
    delay: float = 0.0
    # Do the work, then answer normally after the delay: a post that landed although the
    # client timed out or died before hearing back.
    then_succeed: bool = False


@dataclass
class LocalSlack:
    team_id: str = "T0LOCAL"
    on_call: Callable[[Call], None] | None = None
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    # What apps.connections.open hands out: the Socket Mode WebSocket URL (tests serve one).
    socket_url: str = ""
    # The time a message is posted at; without one, ts values simply count up.
    clock: Callable[[], datetime] | None = None
    # OAuth: tokens issued (token -> team), pending codes, and whether tokens rotate.
    tokens: dict[str, str] = field(default_factory=dict)
    rotating: bool = False
    expires_in: int = 43200  # a rotating token's lifetime, as Slack gives it (12 hours)
    revoked: set[str] = field(default_factory=set)
    _codes: dict[str, str] = field(default_factory=dict)
    _refresh: dict[str, str] = field(default_factory=dict)
    # Files shared by files.completeUploadExternal: id, filename, title, channel, content
    # (bytes), initial_comment. Uploaded but never completed files stay in `_uploads`.
    files: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[Failure | None]] = field(default_factory=dict)
    # The Enterprise org the workspace belongs to ("" for none), as auth.test reports it.
    enterprise_id: str = ""
    # Channels shared with an outside organisation (Slack Connect), and those whose invitation
    # is still pending: conversations.info says so (`is_ext_shared`, `is_pending_ext_shared`).
    ext_shared: set[str] = field(default_factory=set)
    pending_ext_shared: set[str] = field(default_factory=set)
    # Each view's id -> its latest hash (views.open, views.push, views.publish, views.update).
    views: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._uploads: dict[str, dict[str, Any]] = {}
        self._file_ids = count(1)
        self._view_ids = count(1)
        self._called = threading.Condition(self._lock)
        self._ts = count(1)
        self._last_ts = 0  # microseconds: every ts is unique and later than the one before
        slack = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                slack._serve(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll so stop() returns promptly (tests start and stop one per test).
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def start(self) -> LocalSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # scripting ---------------------------------------------------------------------------
    def fail(self, method: str, *failures: Failure | None) -> None:
        """The next calls of `method` get these failures, in order; None answers normally
        (to fail a later call)."""
        with self._lock:
            self._failures.setdefault(method, []).extend(failures)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """Block until `method` has been called `count` times: listeners that run after the
        ack reach Slack after the HTTP response. Returns the calls, or raises on timeout."""
        with self._called:
            ok = self._called.wait_for(
                lambda: sum(c.method == method for c in self.calls) >= count, timeout
            )
            if not ok:
                raise AssertionError(f"{method} was not called {count} time(s)")
            return [c for c in self.calls if c.method == method]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    # OAuth -------------------------------------------------------------------------------
    def code_for(self, team_id: str) -> str:
        """A one-time code, as Slack puts in the redirect after someone of `team_id` approves
        the install."""
        with self._lock:
            code = f"code-{team_id}-{next(self._ts)}"
            self._codes[code] = team_id
            return code

    def team_of(self, token: str) -> str | None:
        with self._lock:
            return self.tokens.get(token)

    def revoke(self, team_id: str) -> None:
        """The workspace uninstalled the app: its tokens stop working."""
        with self._lock:
            self.revoked |= {t for t, team in self.tokens.items() if team == team_id}

    def _issue(self, team_id: str) -> dict[str, Any]:
        n = next(self._ts)
        token = f"xoxb-{team_id}-{n}"
        self.tokens[token] = team_id
        grant: dict[str, Any] = {"access_token": token}
        if self.rotating:
            refresh = f"xoxe-1-{team_id}-{n}"
            self._refresh[refresh] = team_id
            grant |= {"refresh_token": refresh, "expires_in": self.expires_in}
        return grant

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if args.get("grant_type") == "refresh_token":
                team_id = self._refresh.pop(args.get("refresh_token", ""), None)
                if team_id is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
            else:
                team_id = self._codes.pop(args.get("code", ""), None)  # each code works once
                if team_id is None:
                    return {"ok": False, "error": "invalid_code"}
            grant = self._issue(team_id)
        return {
            "ok": True,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": f"UBOT{team_id}",
            "app_id": "A0TACTFUL",
            "team": {"id": team_id, "name": f"Agency {team_id}"},
            "enterprise": None,
            "authed_user": {"id": "U0INSTALLER"},
            "is_enterprise_install": False,
            **grant,
        }

    # serving -----------------------------------------------------------------------------
    def response_url(self, team: str) -> str:
        """A response_url for a slash command of `team`, answered here."""
        return f"{self.url.removesuffix('/api/')}{RESPONSE_PATH}{team}"

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        if req.path.startswith(UPLOAD_PATH):
            self._receive_upload(req)
            return
        if req.path.startswith(RESPONSE_PATH):
            length = int(req.headers.get("Content-Length") or 0)
            args = json.loads(req.rfile.read(length).decode() or "{}") if length else {}
            with self._lock:
                self.calls.append(Call(RESPONSE_METHOD, args, ""))
                self._called.notify_all()
            if self.on_call:
                self.on_call(self.calls[-1])
            req.send_response(200)
            req.send_header("Content-Type", "text/plain")
            req.send_header("Content-Length", "2")
            req.end_headers()
            req.wfile.write(b"ok")
            return
        method = req.path.rsplit("/", 1)[-1].split("?")[0]
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length).decode() if length else ""
        if "json" in (req.headers.get("Content-Type") or ""):
            args = json.loads(raw or "{}")
        else:
            args = dict(parse_qsl(raw))
            if "?" in req.path:
                args.update(parse_qsl(req.path.split("?", 1)[1]))
        token = (req.headers.get("Authorization") or "").removeprefix("Bearer ")
        call = Call(method, args, token)
        with self._lock:
            self.calls.append(call)
            queue = self._failures.get(method)
            failure = queue.pop(0) if queue else None
            self._called.notify_all()
        if failure and failure.then_succeed:
            # Slack does the work, but its answer is slow: the client may give up (or die)
            # without ever learning the result.
            answer = self._answer(method, args, token)
            if self.on_call:
                self.on_call(call)
            time.sleep(failure.delay)
            self._reply(req, 200, answer)
            return
        if self.on_call:
            self.on_call(call)
        if failure:
            time.sleep(failure.delay)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            body = failure.body or {
                "ok": False,
                "error": "ratelimited" if failure.status == 429 else "fatal_error",
            }
            self._reply(req, failure.status, body, headers)
            return
        self._reply(req, 200, self._answer(method, args, token))

    def _receive_upload(self, req: BaseHTTPRequestHandler) -> None:
        """Step 2 of files_upload_v2: the file's bytes POSTed to the URL step 1 handed out
        (Slack answers 200 with a short text body)."""
        file_id = req.path[len(UPLOAD_PATH) :]
        data = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is not None:
                upload["content"] = data
        if upload is None:
            self._reply(req, 404, {"ok": False, "error": "unknown_upload"})
            return
        payload = f"OK - {len(data)}".encode()
        req.send_response(200)
        req.send_header("Content-Type", "text/plain")
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        req.wfile.write(payload)

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """Step 3: share the uploaded files in a channel (or keep them private)."""
        try:
            wanted = json.loads(args.get("files") or "[]")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        shared = []
        with self._lock:
            for f in wanted:
                upload = self._uploads.pop(str(f.get("id")), None)
                if upload is None or "content" not in upload:
                    return {"ok": False, "error": "file_not_found"}
                shared.append(
                    {
                        **upload,
                        "title": f.get("title") or upload["filename"],
                        "channel": args.get("channel_id") or "",
                        "initial_comment": args.get("initial_comment") or "",
                    }
                )
            self.files.extend(shared)
        return {
            "ok": True,
            "files": [{"id": f["id"], "name": f["filename"], "title": f["title"]} for f in shared],
        }

    def _reply(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = json.dumps(body).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json; charset=utf-8")
            req.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                req.send_header(k, v)
            req.end_headers()
            req.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    def restore(self, messages: dict[str, list[dict[str, Any]]]) -> None:
        """Channels as an earlier run left them (the console keeps them between runs); new
        posts come after the newest of them."""
        with self._lock:
            self.messages = messages
            newest = [m["ts"] for ms in messages.values() for m in ms if m.get("ts")]
            for ts in newest:
                seconds, _, micros = ts.partition(".")
                self._last_ts = max(self._last_ts, int(seconds) * 1_000_000 + int(micros or 0))

    def _conversation_info(self, channel: str) -> dict[str, Any]:
        """The conversation object's sharing flags, as Slack gives them to a member app."""
        if not channel or channel[0] not in "CGD":
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            ext, pending = channel in self.ext_shared, channel in self.pending_ext_shared
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "is_channel": channel.startswith("C"),
                "is_group": channel.startswith("G"),
                "is_im": channel.startswith("D"),
                "is_private": channel.startswith("G"),
                "is_archived": False,
                "is_shared": ext,
                "is_ext_shared": ext,
                "is_org_shared": False,
                "is_pending_ext_shared": pending,
                "context_team_id": self.team_id,
            },
        }

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """A view opened, pushed, published or updated: its id, and a new hash each time (as
        Slack's views.update checks `hash` against the view's latest). A view updated by an
        id that was never opened is not found, as for a closed one."""
        with self._lock:
            view_id = args.get("view_id") or ""
            if method == "views.update":
                if view_id not in self.views:
                    return {"ok": False, "error": "not_found"}
                if args.get("hash") and args["hash"] != self.views[view_id]:
                    return {"ok": False, "error": "hash_conflict"}
            elif method in ("views.open", "views.push"):
                view_id = f"V{next(self._view_ids):08d}"
            else:
                view_id = view_id or "V0LOCAL"
            view_hash = self.views[view_id] = f"{next(self._view_ids)}.h{len(self.views)}"
        return {"ok": True, "view": {"id": view_id, "hash": view_hash}}

    def _next_ts(self) -> str:
        """Slack's message ts: the posting time in seconds, unique within the channel."""
        if self.clock is None:
            return f"{1800000000 + next(self._ts)}.000100"
        micros = max(round(self.clock().timestamp() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _answer(self, method: str, args: dict[str, Any], token: str = "") -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._oauth_access(args)
        if token in self.revoked:
            return {"ok": False, "error": "token_revoked"}
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": self.team_of(token) or self.team_id,
                "team": "Local",
                "user_id": "UTACTFUL",
                "bot_id": "BTACTFUL",
                "url": "https://local.invalid/",
                **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            }
        if method == "chat.postMessage":
            channel = args.get("channel", "")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            message = dict(args)
            if isinstance(message.get("metadata"), str):
                message["metadata"] = json.loads(message["metadata"])
            with self._lock:
                ts = message["ts"] = self._next_ts()
                self.messages.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            with self._lock:
                for message in self.messages.get(args.get("channel", ""), []):
                    if message["ts"] == args.get("ts"):
                        message.update(args)
                        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
            return {"ok": False, "error": "message_not_found"}
        if method == "conversations.history":
            with self._lock:
                found = [
                    m
                    for m in reversed(self.messages.get(args.get("channel", ""), []))
                    if m.get("thread_ts") in (None, m["ts"])  # thread replies aren't listed
                ]
            oldest = float(args.get("oldest") or 0)
            latest = float(args.get("latest") or "inf")
            found = [m for m in found if oldest <= float(m["ts"]) <= latest]
            # Pages as Slack does: a cursor (here, an offset) while there is more.
            start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
            page, more = found[start : start + limit], start + limit < len(found)
            return {
                "ok": True,
                "messages": page,
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        if method == "conversations.replies":
            parent = args.get("ts")
            with self._lock:
                found = [
                    m
                    for m in self.messages.get(args.get("channel", ""), [])
                    if m["ts"] == parent or m.get("thread_ts") == parent
                ]
            if not found:
                return {"ok": False, "error": "thread_not_found"}
            return {"ok": True, "messages": found, "has_more": False}
        if method == "apps.connections.open":
            if not self.socket_url:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_url}
        if method == "chat.getPermalink":
            channel, ts = args.get("channel", ""), args.get("message_ts", "")
            if not channel or not ts:
                return {"ok": False, "error": "message_not_found"}
            link = f"https://local.invalid/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "conversations.info":
            return self._conversation_info(args.get("channel", ""))
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "U0")).lstrip("UW")}}
        if method == "usergroups.users.list":
            users = self.usergroups.get(args.get("usergroup", ""))
            if users is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": users}
        if method == "files.getUploadURLExternal":
            if not args.get("filename") or not str(args.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            with self._lock:
                file_id = f"F{next(self._file_ids):08d}"
                self._uploads[file_id] = {"id": file_id, "filename": args["filename"]}
            base = self.url.removesuffix("/api/")
            return {"ok": True, "file_id": file_id, "upload_url": f"{base}{UPLOAD_PATH}{file_id}"}
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        if method.startswith("views."):
            return self._view(method, args)
        return {"ok": True}
