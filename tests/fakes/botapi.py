"""A fake Telegram Bot API server over real HTTP on 127.0.0.1, for the bot adapter's tests."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Partnerdesk", "username": "pd_bot"}


@dataclass
class BotApiState:
    """What the fake server holds: updates waiting to be fetched, messages the bot sent."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)
    next_update_id: int = 1
    next_message_id: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock)

    def user_writes(self, chat_id: int, username: str | None, text: str) -> int:
        """Queue a private message from a user, as Telegram would deliver it."""
        with self.lock:
            update_id = self.next_update_id
            self.next_update_id += 1
            sender: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Bruger"}
            if username:
                sender["username"] = username
            message: dict[str, Any] = {
                "message_id": self.next_message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", **{"first_name": "Bruger"}},
                "from": sender,
                "text": text,
            }
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            self.next_message_id += 1
            self.updates.append({"update_id": update_id, "message": message})
            return update_id

    def texts_to(self, chat_id: int) -> list[str]:
        """Everything the bot sent to one chat."""
        with self.lock:
            return [m["text"] for m in self.sent if int(m["chat_id"]) == chat_id]


def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        loaded: dict[str, Any] = json.loads(body or b"{}")
        return loaded
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


def _handler(state: BotApiState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _reply(self, payload: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            method = self.path.rsplit("/", 1)[-1]
            params = _params(self)
            if method == "getMe":
                self._reply({"ok": True, "result": BOT_USER})
            elif method in ("deleteWebhook", "setMyCommands", "close", "logOut"):
                self._reply({"ok": True, "result": True})
            elif method == "getUpdates":
                offset = int(params.get("offset") or 0)
                deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.5)
                while True:
                    with state.lock:
                        ready = [u for u in state.updates if u["update_id"] >= offset]
                    if ready or time.monotonic() >= deadline:
                        break
                    time.sleep(0.02)
                self._reply({"ok": True, "result": ready})
            elif method == "sendMessage":
                chat_id = int(params["chat_id"])
                if chat_id in state.blocked_chats:
                    self._reply(
                        {
                            "ok": False,
                            "error_code": 403,
                            "description": "Forbidden: bot was blocked by the user",
                        },
                        403,
                    )
                    return
                with state.lock:
                    state.sent.append(params)
                    state.next_message_id += 1
                    message_id = state.next_message_id
                self._reply(
                    {
                        "ok": True,
                        "result": {
                            "message_id": message_id,
                            "date": int(time.time()),
                            "chat": {"id": chat_id, "type": "private"},
                            "from": BOT_USER,
                            "text": params.get("text", ""),
                        },
                    }
                )
            else:
                self._reply({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    return Handler


class FakeBotApi:
    """Runs the fake server in a thread; base_url is what the adapter is pointed at."""

    def __init__(self) -> None:
        self.state = BotApiState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The server's root URL (the adapter adds /bot<token>/<method>)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
