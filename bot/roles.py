"""Who may do what: member < champion < moderator < manager, checked server-side.

Roles come from the community config (`platform:id` for a person, `platform:role:id` for a
Discord role or Slack user group) and from grants made by command (`role_grants`).
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from sqlalchemy import String, bindparam, delete, literal, select
from sqlmodel import Session

from bot.community_config import CommunityConfig
from bot.events import CommunityRef, UserRef
from storage import fastpath
from storage.models import RoleGrant
from storage.questions_tables import Champion
from storage.upsert import insert_ignore


class Role(IntEnum):
    MEMBER = 0
    CHAMPION = 1
    MODERATOR = 2
    MANAGER = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, word: str) -> Role:
        try:
            return cls[word.strip().upper().removesuffix("S")]
        except KeyError:
            known = "champion, moderator, manager"
            raise ValueError(f"unknown role {word!r}; roles: {known}") from None


def configured_role(config: CommunityConfig, community: CommunityRef, user: UserRef) -> Role:
    handles = {f"{community.platform}:{user.id}"}
    handles |= {f"{community.platform}:role:{group}" for group in user.groups}
    if handles & set(config.roles.managers):
        return Role.MANAGER
    if handles & set(config.roles.moderators):
        return Role.MODERATOR
    if handles & set(config.roles.champions):
        return Role.CHAMPION
    return Role.MEMBER


_GRANTED = select(RoleGrant.__table__.c.role).where(
    RoleGrant.__table__.c.community_id == bindparam("community"),
    RoleGrant.__table__.c.member_external_id == bindparam("member"),
).union_all(select(literal(Role.CHAMPION.label, String)).where(
    Champion.__table__.c.community_id == bindparam("community"),
    Champion.__table__.c.member_external_id == bindparam("member"),
))  # built once: role_of runs on the event path


def role_of(
    session: Session, config: CommunityConfig, community: CommunityRef, community_id: int,
    user: UserRef,
) -> Role:
    """The highest role `user` holds, from the config, from grants or from the champions list
    (`/community champion add`), in one query."""
    granted = [role for (role,) in fastpath.run(
        session, _GRANTED, {"community": community_id, "member": user.id}
    )]
    return max([configured_role(config, community, user), *(Role.parse(r) for r in granted)])


def grant(
    session: Session, community_id: int, user_id: str, role: Role, by: str, at: datetime
) -> bool:
    return insert_ignore(session, RoleGrant, {
        "community_id": community_id, "member_external_id": user_id, "role": role.label,
        "granted_by": by, "granted_at": at,
    })


def revoke(session: Session, community_id: int, user_id: str, role: Role) -> bool:
    result = session.execute(delete(RoleGrant).where(
        RoleGrant.community_id == community_id, RoleGrant.member_external_id == user_id,
        RoleGrant.role == role.label,
    ))
    return bool(result.rowcount)


def members_with_role(session: Session, community_id: int, role: Role) -> list[str]:
    """External ids granted `role` by command (config roles are listed in the config)."""
    return list(session.execute(
        select(RoleGrant.member_external_id).where(
            RoleGrant.community_id == community_id, RoleGrant.role == role.label
        )
    ).scalars())
