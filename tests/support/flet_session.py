"""A real Flet session over an in-memory connection: screens tested without a browser.

Flet's ``Session`` drives the control tree exactly as in production; this connection stands in
for the websocket. Every outgoing message is msgpack-encoded as the real transport does (the
encoder records the snapshots later diffs are computed against), and calls to client-side
methods (GPS, file picker, connectivity) are answered by ``answers`` -- a fake phone.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.messaging.connection import Connection
from flet.messaging.protocol import MessageAction, configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

Answer = Callable[[str, Any], tuple[Any, str | None]]  # (method, args) -> (result, error)


class MemoryConnection(Connection):
    def __init__(self, loop: asyncio.AbstractEventLoop, answers: Answer) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=4)
        self.pubsubhub = PubSubHub(loop=loop, executor=self.executor)
        self.answers = answers
        self.session: Session | None = None
        self.calls: list[str] = []
        self.actions: list[Any] = []  # every message's action, in order
        self._encode = configure_encode_object_for_msgpack(BaseControl)

    def send_message(self, message) -> None:
        msgpack.packb([message.action, message.body], default=self._encode)
        self.actions.append(message.action)
        if message.action == MessageAction.INVOKE_METHOD:
            body = message.body
            self.calls.append(body.name)
            result, error = self.answers(body.name, body.args)
            self.loop.call_soon_threadsafe(self.session.handle_invoke_method_results,
                                           body.control_id, body.call_id, result, error)


def no_client_methods(name: str, args: Any) -> tuple[Any, str | None]:
    return None, f"{name} is not available in this test"


class Harness:
    """One session; find controls by their Semantics identifier or text, click, type."""

    def __init__(self, answers: Answer = no_client_methods) -> None:
        self.loop = asyncio.get_running_loop()
        self.conn = MemoryConnection(self.loop, answers)
        self.session = Session(self.conn)
        self.conn.session = self.session
        self.session.apply_page_patch({"width": 390, "height": 844, "platform": "android",
                                       "web": True, "route": "/"})
        self.page: ft.Page = self.session.page
        # what the server answers a registering client: the page, encoded (which mounts and
        # indexes it, as in production)
        msgpack.packb(self.session.get_page_patch(), default=self.conn._encode)

    # ------------------------------------------------------------ finding controls

    def walk(self) -> Iterator[BaseControl]:
        seen: set[int] = set()
        dialogs = self.page._dialogs.controls if hasattr(self.page, "_dialogs") else []
        # a closed dialog stays in the list until the client reports it gone; it is not shown
        roots: list[Any] = [self.page, *(d for d in dialogs if getattr(d, "open", True))]
        stack = list(roots)
        while stack:
            c = stack.pop()
            if not isinstance(c, BaseControl) or id(c) in seen:
                continue
            seen.add(id(c))
            yield c
            for name in ("content", "controls", "actions", "appbar", "navigation_bar", "title",
                         "leading", "trailing", "subtitle", "views", "destinations", "overlay", "items"):
                v = getattr(c, name, None)
                if isinstance(v, list):
                    stack.extend(reversed(v))
                elif v is not None:
                    stack.append(v)

    def by_id(self, identifier: str) -> BaseControl:
        for c in self.walk():
            if isinstance(c, ft.Semantics) and c.identifier == identifier:
                return c.content
        raise LookupError(f"no control with identifier {identifier!r}")

    def has_id(self, identifier: str) -> bool:
        try:
            self.by_id(identifier)
            return True
        except LookupError:
            return False

    def texts(self) -> list[str]:
        out = []
        for c in self.walk():
            v = getattr(c, "value", None) if isinstance(c, ft.Text) else None
            if isinstance(v, str):
                out.append(v)
            if isinstance(c, (ft.FilledButton, ft.OutlinedButton, ft.TextButton)) and isinstance(c.content, str):
                out.append(c.content)
        return out

    def text_shown(self, fragment: str) -> bool:
        return any(fragment in t for t in self.texts())

    def unsent_changes(self) -> bool:
        """Did a handler change controls without sending them? Then the phone still shows the
        old state (a spinner left turning). An extra update sends exactly what was left."""
        before = len(self.conn.actions)
        self.page.update()
        return MessageAction.PATCH_CONTROL in self.conn.actions[before:]

    # ------------------------------------------------------------ acting

    async def click(self, control: BaseControl) -> None:
        await self.session.dispatch_event(control._i, "click", None)
        await self.settle()

    async def type(self, control: BaseControl, value: str) -> None:
        self.session.apply_patch(control._i, {"value": value})
        await self.session.dispatch_event(control._i, "change", value)
        await self.settle()

    async def settle(self, rounds: int = 20) -> None:
        """Let scheduled tasks and worker threads finish their part."""
        for _ in range(rounds):
            await asyncio.sleep(0.01)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = self.loop.time() + timeout
        while not predicate():
            if self.loop.time() > deadline:
                raise AssertionError(f"not reached in {timeout} s; shown: {self.texts()[:40]}")
            await asyncio.sleep(0.05)

    def close(self) -> None:
        self.conn.executor.shutdown(wait=False, cancel_futures=True)
