"""A mail handed over in one step: nothing to open first, nothing to take back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from agenda.ports import DeliveryResult
from agenda.records import OutgoingMail


class WholeHandover:
    """For a sender whose only step is the whole delivery (a file written into a folder)."""

    def __init__(
        self,
        send: Callable[[Sequence[OutgoingMail]], Awaitable[list[DeliveryResult]]],
        mail: OutgoingMail,
    ) -> None:
        self._send = send
        self.mail = mail

    async def open(self) -> DeliveryResult | None:
        """Nothing to open."""
        return None

    async def hand_over(self) -> DeliveryResult:
        """The whole delivery."""
        results = await self._send([self.mail])
        if len(results) != 1:
            raise ValueError(f"the mail sender gave {len(results)} results for one message")
        return results[0]

    async def abandon(self) -> None:
        """Nothing was opened."""
