"""A fake Telegram Bot API server over real HTTP on 127.0.0.1, for the tests and the demo.

It speaks the part of the Bot API the bot uses: getMe, deleteWebhook, getUpdates (offset and
long poll), sendMessage, sendDocument, editMessageText, answerCallbackQuery, setMyCommands,
getFile and file downloads. It can refuse with 429 (retry after) and 403 (blocked), and it
records when each send request arrived, so a test can check Telegram's rate limits from the
server's side.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Partnerdesk", "username": "pd_bot"}


@dataclass
class BotApiState:
    """What the fake server holds: updates waiting, what the bot sent, scripted refusals."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)
    # The next this many sends are refused with 429, asking to wait flood_seconds.
    floods: int = 0
    flood_seconds: int = 1
    refused: list[int] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    answered_buttons: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    # The command menus set for users of one language (setMyCommands with language_code).
    commands_in: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Every send request as it arrived, refused ones too: method, chat_id, status, at
    # (time.monotonic() on receipt).
    requests: list[dict[str, Any]] = field(default_factory=list)
    # The client port of every getUpdates request: which poller asked.
    polls: list[int] = field(default_factory=list)
    next_update_id: int = 1
    next_message_id: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _queue(self, kind: str, body: dict[str, Any]) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: body})
        return update_id

    def _message(
        self, user_id: int, username: str | None, chat_type: str, language: str | None = None
    ) -> dict[str, Any]:
        sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Bruger"}
        if username:
            sender["username"] = username
        if language:
            # What the person's Telegram app is set to, as Telegram tells bots.
            sender["language_code"] = language
        chat_id = user_id if chat_type == "private" else -1000 - user_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Bruger"} if chat_type == "private" else {"title": "Gruppe"})
        self.next_message_id += 1
        return {
            "message_id": self.next_message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
        }

    def user_writes(
        self,
        user_id: int,
        username: str | None,
        text: str,
        *,
        chat_type: str = "private",
        language: str | None = None,
    ) -> int:
        """Queue a message from a user, as Telegram would deliver it (a private chat by default)."""
        with self.lock:
            message = self._message(user_id, username, chat_type, language)
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            return self._queue("message", message)

    def user_sends_photo(self, user_id: int) -> int:
        """Queue a photo (which the bot does not read) from a user."""
        with self.lock:
            message = self._message(user_id, None, "private")
            message["photo"] = [
                {"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}
            ]
            return self._queue("message", message)

    def user_sends_document(
        self, user_id: int, filename: str, data: bytes, *, caption: str = "", mime: str = ""
    ) -> int:
        """Queue a document from a user; the bot fetches it with getFile."""
        with self.lock:
            file_id = f"file{len(self.files) + 1}"
            self.files[file_id] = data
            message = self._message(user_id, None, "private")
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": filename,
                "mime_type": mime or "application/pdf",
                "file_size": len(data),
            }
            if caption:
                message["caption"] = caption
            return self._queue("message", message)

    def user_presses(self, user_id: int, message: dict[str, Any], data: str) -> int:
        """Queue a press of a button under a message the bot sent."""
        with self.lock:
            shown = {
                "message_id": message["message_id"],
                "date": int(time.time()),
                "chat": {"id": int(message["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": message.get("text") or message.get("caption") or "",
            }
            query = {
                "id": f"q{self.next_update_id}",
                "from": {"id": user_id, "is_bot": False, "first_name": "Bruger"},
                "message": shown,
                "chat_instance": str(user_id),
                "data": data,
            }
            return self._queue("callback_query", query)

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Everything the bot sent to one chat (text or caption, buttons, document)."""
        with self.lock:
            return [dict(m) for m in self.sent if int(m["chat_id"]) == chat_id]

    def requests_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Every send request to one chat as it arrived, refused ones too, oldest first."""
        with self.lock:
            return [dict(r) for r in self.requests if r["chat_id"] == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        """The text (or caption) of everything the bot sent to one chat."""
        return [str(m.get("text") or m.get("caption") or "") for m in self.messages_to(chat_id)]


def buttons_of(message: dict[str, Any]) -> dict[str, str]:
    """A sent message's buttons: label to callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def _multipart(kind: str, body: bytes) -> dict[str, Any]:
    parsed = BytesParser(policy=default_policy).parsebytes(
        f"Content-Type: {kind}\r\n\r\n".encode() + body
    )
    found: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        filename = part.get_filename()
        if filename:
            found[f"{name}_filename"] = filename
            found[f"{name}_data"] = payload
        else:
            found[str(name)] = payload.decode("utf-8")
    return found


def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        loaded: dict[str, Any] = json.loads(body or b"{}")
        return loaded
    if "multipart" in kind:
        return _multipart(kind, body)
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


def _markup(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes; with Nagle's algorithm the body waits
    # for the client's delayed acknowledgement of the headers (40 ms on Linux), a delay the
    # real Bot API does not add to every answer.
    disable_nagle_algorithm = True
    state: BotApiState

    def log_message(self, format: str, *args: object) -> None:
        return

    def _reply(self, payload: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _ok(self, result: object) -> None:
        self._reply({"ok": True, "result": result})

    def do_GET(self) -> None:
        # File downloads: /file/bot<token>/<file_path>
        file_id = self.path.rsplit("/", 1)[-1]
        data = self.state.files.get(file_id)
        if data is None:
            self._reply({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        method = self.path.rsplit("/", 1)[-1]
        params = _params(self)
        state = self.state
        if method == "getMe":
            self._ok(BOT_USER)
        elif method in ("deleteWebhook", "close", "logOut"):
            self._ok(True)
        elif method == "setMyCommands":
            menu = list(_markup(params.get("commands", "[]")))  # type: ignore[call-overload]
            with state.lock:
                if params.get("language_code"):
                    state.commands_in[str(params["language_code"])] = menu
                else:
                    state.commands = menu
            self._ok(True)
        elif method == "getUpdates":
            self._get_updates(params)
        elif method == "getFile":
            file_id = str(params["file_id"])
            self._ok({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_path": file_id})
        elif method == "answerCallbackQuery":
            with state.lock:
                state.answered_buttons.append(str(params.get("callback_query_id")))
            self._ok(True)
        elif method in ("sendMessage", "sendDocument", "editMessageText"):
            self._send(method, params)
        else:
            self._reply({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    def _get_updates(self, params: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.polls.append(int(self.client_address[1]))
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.5)
        while True:
            with self.state.lock:
                # Confirmed updates (below the offset) are forgotten, as Telegram does.
                self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
                ready = list(self.state.updates)
            if ready or time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        self._ok(ready)

    def _send(self, method: str, params: dict[str, Any]) -> None:
        state = self.state
        chat_id = int(params["chat_id"])
        with state.lock:
            request: dict[str, Any] = {"method": method, "chat_id": chat_id, "status": 200}
            request["at"] = time.monotonic()
            state.requests.append(request)
            if chat_id in state.blocked_chats:
                request["status"] = 403
                state.refused.append(chat_id)
                self._reply(
                    {
                        "ok": False,
                        "error_code": 403,
                        "description": "Forbidden: bot was blocked by the user",
                    },
                    403,
                )
                return
            if state.floods > 0 and method != "editMessageText":
                state.floods -= 1
                request["status"] = 429
                state.refused.append(chat_id)
                self._reply(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {state.flood_seconds}",
                        "parameters": {"retry_after": state.flood_seconds},
                    },
                    429,
                )
                return
            record: dict[str, Any] = {
                "method": method,
                "chat_id": chat_id,
                "text": params.get("text"),
                "caption": params.get("caption"),
                "reply_markup": _markup(params.get("reply_markup")),
            }
            if method == "editMessageText":
                record["message_id"] = int(params["message_id"])
            else:
                state.next_message_id += 1
                record["message_id"] = state.next_message_id
            if "document_data" in params:
                record["document"] = params["document_filename"]
                record["document_data"] = params["document_data"]
            state.sent.append(record)
        result: dict[str, Any] = {
            "message_id": record["message_id"],
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
        }
        if record["text"] is not None:
            result["text"] = record["text"]
        self._ok(result)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid long-poll (the bot stopping) is not an error here.
        return


class FakeBotApi:
    """Runs the fake server in a thread; base_url is what the bot is pointed at."""

    def __init__(self) -> None:
        self.state = BotApiState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The server's root URL (the bot adds /bot<token>/<method>)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
