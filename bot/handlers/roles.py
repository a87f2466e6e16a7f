"""`/community role add|remove @member ROLE` and `/community role list [ROLE]`: managers give
and take champion, moderator and manager roles by command, on top of those in the config."""

from __future__ import annotations

from sqlalchemy import select

from bot.command_args import member_arg
from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import CommandInvoked, UserRef
from bot.roles import Role, grant, revoke
from bot.router import Router
from bot.text import Text
from storage.models import Member, RoleGrant

GRANTABLE = (Role.MANAGER, Role.MODERATOR, Role.CHAMPION)
ROLE_WORDS = "champion|moderator|manager"


def register(router: Router) -> None:
    router.commands.add(Subcommand(
        "role", f"add|remove @member {ROLE_WORDS} | list [{ROLE_WORDS}]",
        "give or take a role, or list who holds which", Role.MANAGER, manage_roles,
    ))


def _role(word: str) -> Role:
    try:
        role = Role.parse(word)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if role not in GRANTABLE:
        raise UsageError(f"everyone is a {role.label}; give one of {ROLE_WORDS}")
    return role


async def manage_roles(call: CommandCall, turn: Turn) -> Text | str:
    if not call.words:
        raise UsageError("Say what to do: add, remove or list")
    action, rest = call.words[0].lower(), call.words[1:]
    if action == "list":
        if len(rest) > 1:
            raise UsageError("`role list` takes at most one role")
        return list_roles(turn, [_role(rest[0])] if rest else list(GRANTABLE))
    if action not in ("add", "remove"):
        raise UsageError(f"I can add, remove or list roles, not {action[:40]!r}")
    if len(rest) != 2:
        raise UsageError(f"`role {action}` needs a member and a role")
    target = member_arg(turn.session, turn.community_id, rest[0])
    role = _role(rest[1])
    if action == "add":
        by = turn.event.user.id if isinstance(turn.event, CommandInvoked) else ""
        if grant(turn.session, turn.community_id, target.user.id, role, by=by, at=turn.now):
            return Text((target.user, f" is now a {role.label}."))
        return Text((target.user, f" already has the {role.label} role."))
    if revoke(turn.session, turn.community_id, target.user.id, role):
        return Text((target.user, f" is no longer a {role.label}."))
    if _configured(turn, role, target.user.id):
        return Text((target.user, f"'s {role.label} role comes from the config file "
                     f"([roles] {role.label}s); remove it there."))
    return Text((target.user, f" has no {role.label} role to remove."))


def _configured_handles(turn: Turn, role: Role) -> list[str]:
    roles = turn.config.roles
    listed = {Role.MANAGER: roles.managers, Role.MODERATOR: roles.moderators,
              Role.CHAMPION: roles.champions}[role]
    prefix = f"{turn.community.platform}:"
    return [handle[len(prefix):] for handle in listed if handle.startswith(prefix)]


def _configured(turn: Turn, role: Role, user_id: str) -> bool:
    return user_id in _configured_handles(turn, role)


def list_roles(turn: Turn, roles: list[Role]) -> Text:
    granted = turn.session.execute(
        select(RoleGrant.role, RoleGrant.member_external_id, Member.display_name)
        .outerjoin(Member, (Member.community_id == RoleGrant.community_id)
                   & (Member.external_id == RoleGrant.member_external_id))
        .where(RoleGrant.community_id == turn.community_id)
        .order_by(RoleGrant.role, RoleGrant.granted_at, RoleGrant.id)
    ).all()
    text = Text()
    for index, role in enumerate(roles):
        holders: list[Text] = []
        for handle in _configured_handles(turn, role):
            if handle.startswith("role:"):
                holders.append(Text((f"everyone with platform role {handle[5:]} (config)",)))
            else:
                holders.append(Text((UserRef(id=handle, name=handle), " (config)")))
        for name, external_id, display_name in granted:
            if name == role.label:
                holders.append(Text((UserRef(id=external_id, name=display_name or external_id),)))
        text += ("\n" if index else "") + f"{role.label.capitalize()}s: "
        if not holders:
            text += "nobody yet"
        for position, holder in enumerate(holders):
            text += ", " if position else ""
            text += holder
    return text
