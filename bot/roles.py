"""Who may do what: member < champion < moderator < manager, checked server-side."""

from __future__ import annotations

from enum import IntEnum

from bot.community_config import CommunityConfig
from bot.events import CommunityRef, UserRef


class Role(IntEnum):
    MEMBER = 0
    CHAMPION = 1
    MODERATOR = 2
    MANAGER = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def role_of(config: CommunityConfig, community: CommunityRef, user: UserRef) -> Role:
    """The highest role the config grants `user` (written `platform:id`)."""
    handle = f"{community.platform}:{user.id}"
    if handle in config.roles.managers:
        return Role.MANAGER
    if handle in config.roles.moderators:
        return Role.MODERATOR
    return Role.MEMBER
