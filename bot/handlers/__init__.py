"""Feature handlers. Each module registers its own handlers; this list is the whole wiring.

`activity` comes first: it records members, channels and messages that later handlers read.
"""

from __future__ import annotations

from bot.handlers import activity, commands, welcome
from bot.router import Router

MODULES = (activity, welcome, commands)


def register_all(router: Router) -> None:
    for module in MODULES:
        module.register(router)
