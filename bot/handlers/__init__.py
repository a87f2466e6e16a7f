"""Feature handlers. Each module registers its own handlers; this list is the whole wiring.

`activity` comes first: it records members, channels and messages that later handlers read.
"""

from __future__ import annotations

from bot.handlers import (
    activity,
    appeals,
    champions,
    commands,
    drip,
    flagging,
    home,
    moderation_queue,
    modlog,
    programmes,
    questions,
    roles,
    stats,
    welcome,
)
from bot.router import Router

MODULES = (activity, welcome, commands, home, flagging, moderation_queue, modlog, appeals,
           programmes, drip, stats, roles, champions, questions)


def register_all(router: Router) -> None:
    for module in MODULES:
        module.register(router)
