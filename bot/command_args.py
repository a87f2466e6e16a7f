"""Arguments `/community` commands share: a period (`7d`, `30d`) and a member (`@ana`).

A member arrives as the platform sent it: a mention (Slack `<@U123|ana>`, Discord `<@123>` or
`<@!123>`), or a name typed after `@` (the console, or a Slack command without escaping).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from bot.commands import UsageError
from bot.events import UserRef
from bot.metrics.periods import parse_period
from storage.models import Member

_MENTION = re.compile(r"<@!?([A-Za-z0-9_.-]{1,64})(?:\|([^>]{0,200}))?>")
_NAME = re.compile(r"@?([\w.-]{1,64})")


def period_arg(words: tuple[str, ...], default: str) -> timedelta:
    """The optional single period argument; anything else is a usage error."""
    if len(words) > 1:
        raise UsageError(f"I expected one period, got {' '.join(words)!r}")
    try:
        return parse_period(words[0] if words else default)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@dataclass(frozen=True)
class MemberArg:
    user: UserRef
    member_id: int | None  # None: a mentioned id the bot has not seen yet


def member_arg(session: Session, community_id: int, word: str) -> MemberArg:
    """Resolve a mention or `@name` to a member of this community."""
    mention = _MENTION.fullmatch(word.strip())
    if mention:
        external_id = mention[1]
        row = session.execute(
            select(Member.id, Member.display_name)
            .where(Member.community_id == community_id, Member.external_id == external_id)
        ).first()
        if row is None:
            return MemberArg(UserRef(id=external_id, name=mention[2] or None), None)
        return MemberArg(UserRef(id=external_id, name=row.display_name or None), row.id)
    typed = _NAME.fullmatch(word.strip())
    if typed is None:
        raise UsageError(f"{word[:80]!r} is not a member: mention them, like @ana")
    name = typed[1]
    rows = session.execute(
        select(Member.id, Member.external_id, Member.display_name)
        .where(Member.community_id == community_id,
               (Member.external_id == name) | (func.lower(Member.display_name) == name.lower()))
        .order_by(Member.external_id != name, Member.id)  # an exact id wins over a name
        .limit(2)
    ).all()
    if not rows:
        raise UsageError(f"I don't know @{name} in this community")
    if len(rows) > 1 and rows[0].external_id != name:
        raise UsageError(f"more than one member is called {name}; mention the one you mean")
    row = rows[0]
    return MemberArg(UserRef(id=row.external_id, name=row.display_name or None), row.id)
