"""Web API method handlers of the fake Slack (mixed into ``FakeSlack``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .slack_workspace import SlackFailure, SlackWorkspace


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


class SlackApiMethods(SlackWorkspace):
    """Handlers take the parsed params and return the body without ``ok``."""

    # Provided by the server (`FakeSlack`): its address and its Socket Mode websocket URL.
    root_url: str
    socket_url: str

    def builtin_handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        """Method name -> handler; add or override entries in ``fake.handlers``."""
        return {
            name[4:].replace("_", "."): getattr(self, name)
            for name in dir(self)
            if name.startswith("api_")
        }

    # ---- helpers ---------------------------------------------------------------------------

    def _content(self, params: dict[str, Any]) -> dict[str, Any]:
        return {k: params.get(k) for k in ("text", "blocks", "attachments", "metadata")}

    # ---- auth / apps -----------------------------------------------------------------------

    def api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def api_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_url}

    # ---- chat ------------------------------------------------------------------------------

    def api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(params)
        content = self._content(params)
        if not (content["text"] or content["blocks"] or content["attachments"]):
            raise SlackFailure("no_text")
        fields = {**self._bot_fields(), **content, "thread_ts": params.get("thread_ts")}
        if _truthy(params.get("reply_broadcast")) and fields["thread_ts"]:
            fields["subtype"] = "thread_broadcast"
        message = self._store(channel["id"], fields)
        return {"channel": channel["id"], "ts": message["ts"], "message": dict(message)}

    def api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(params)
        if params.get("user") not in self.users:
            raise SlackFailure("user_not_found")
        ts = self.new_ts()
        self.ephemerals.append(
            {
                "channel": channel["id"],
                "user": params["user"],
                "ts": ts,
                "thread_ts": params.get("thread_ts"),
                **self._content(params),
            }
        )
        return {"message_ts": ts}

    def api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self._find(channel["id"], params.get("ts"))
        if message.get("bot_id") != self.bot_id:
            raise SlackFailure("cant_update_message")
        message.update({k: v for k, v in self._content(params).items() if v is not None})
        message["edited"] = {"user": self.bot_user_id, "ts": self.new_ts()}
        return {
            "channel": channel["id"],
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": dict(message),
        }

    def api_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self._find(channel["id"], params.get("ts"))
        if message.get("bot_id") != self.bot_id:
            raise SlackFailure("cant_delete_message")
        self._messages[channel["id"]].remove(message)
        return {"channel": channel["id"], "ts": message["ts"]}

    def api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self._find(channel["id"], params.get("message_ts"))
        link = f"https://{self.domain}.slack.com/archives/{channel['id']}/p"
        link += message["ts"].replace(".", "")
        if message.get("thread_ts") not in (None, message["ts"]):
            link += f"?thread_ts={message['thread_ts']}&cid={channel['id']}"
        return {"channel": channel["id"], "permalink": link}

    # ---- reactions -------------------------------------------------------------------------

    def _reaction(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        channel = self._channel(params)
        message = self._find(channel["id"], params.get("timestamp"))
        name = str(params.get("name") or "").strip(":")
        if not name:
            raise SlackFailure("invalid_name")
        return message.setdefault("reactions", []), name

    def api_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        reactions, name = self._reaction(params)
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if self.bot_user_id in entry["users"]:
            raise SlackFailure("already_reacted")
        entry["users"].append(self.bot_user_id)
        entry["count"] += 1
        return {}

    def api_reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        reactions, name = self._reaction(params)
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None or self.bot_user_id not in entry["users"]:
            raise SlackFailure("no_reaction")
        entry["users"].remove(self.bot_user_id)
        entry["count"] -= 1
        if not entry["count"]:
            reactions.remove(entry)
        return {}

    # ---- conversations ---------------------------------------------------------------------

    def api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            channel = self._channel(params)
            return {"channel": channel, "no_op": True, "already_open": True}
        users = _split(params.get("users"))
        if not users:
            raise SlackFailure("users_list_not_supplied")
        for user in users:
            if user not in self.users:
                raise SlackFailure("user_not_found")
        if len(users) == 1:
            existed = any(c.get("user") == users[0] for c in self.channels.values())
            channel = self.channels[self.open_dm(users[0])]
        else:
            name = "mpdm-" + "--".join(self.users[u]["name"] for u in sorted(users)) + "-1"
            existed = self._resolve(name) is not None
            channel = self._resolve(name) or self.add_channel(
                self.new_id("G"),
                name,
                is_private=True,
                is_mpim=True,
                is_group=False,
                members=[*users, self.bot_user_id],
            )
        body: dict[str, Any] = {
            "channel": channel if _truthy(params.get("return_im")) else {"id": channel["id"]}
        }
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = dict(self._channel(params))
        if _truthy(params.get("include_num_members")) and not channel.get("is_im"):
            channel["num_members"] = len(channel.get("members", []))
        channel.pop("members", None)
        return {"channel": channel}

    def api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel.get("is_private") and not channel.get("is_member"):
            raise SlackFailure("method_not_supported_for_channel_type")
        channel["is_member"] = True
        return {"channel": channel}

    def _listing(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or 1e12)
        inclusive = _truthy(params.get("inclusive"))
        picked = [
            m
            for m in messages
            if oldest < float(m["ts"]) < latest
            or (inclusive and float(m["ts"]) in (oldest, latest))
        ]
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
        page = picked[start : start + limit]
        with_metadata = _truthy(params.get("include_all_metadata"))
        out = [{k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in page]
        more = start + limit < len(picked)
        return {
            "messages": out,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        top = [
            m
            for m in reversed(self._messages[channel["id"]])
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]
        return {**self._listing(top, params), "pin_count": 0}

    def api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        try:
            self._find(channel["id"], params.get("ts"))
        except SlackFailure:
            raise SlackFailure("thread_not_found") from None
        thread = [
            m
            for m in self._messages[channel["id"]]
            if params.get("ts") in (m["ts"], m.get("thread_ts"))
        ]
        return self._listing(thread, params)

    # ---- users -----------------------------------------------------------------------------

    def api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise SlackFailure("user_not_found")
        return {"user": user}

    # ---- views -----------------------------------------------------------------------------

    def _view(self, view: Any, previous: dict[str, Any] | None = None) -> dict[str, Any]:
        if not isinstance(view, dict) or "type" not in view:
            raise SlackFailure("invalid_arguments")
        view_id = previous["id"] if previous else self.new_id("V")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.fakehash",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            **view,
        }
        self.views[view_id] = stored
        return stored

    def _trigger(self, params: dict[str, Any]) -> None:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            raise SlackFailure("invalid_arguments")

    def api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._trigger(params)
        return {"view": self._view(params.get("view"))}

    def api_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        self._trigger(params)
        return {"view": self._view(params.get("view"))}

    def api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key, value = (
            ("id", params.get("view_id"))
            if params.get("view_id")
            else ("external_id", params.get("external_id"))
        )
        previous = next((v for v in self.views.values() if value and v.get(key) == value), None)
        if previous is None:
            raise SlackFailure("not_found")
        return {"view": self._view(params.get("view"), previous)}

    def api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user_id"))
        if user_id not in self.users:
            raise SlackFailure("user_not_found")
        view = params.get("view")
        if isinstance(view, dict) and view.get("type") != "home":
            raise SlackFailure("invalid_arguments")
        self.home_views[user_id] = self._view(view, self.home_views.get(user_id))
        return {"view": self.home_views[user_id]}

    # ---- files -----------------------------------------------------------------------------

    def _new_file(self, name: str, title: str | None, size: int) -> dict[str, Any]:
        file_id = self.new_id("F")
        file = {
            "id": file_id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": name,
            "title": title or name,
            "mimetype": "application/octet-stream",
            "filetype": name.rsplit(".", 1)[-1] if "." in name else "binary",
            "user": self.bot_user_id,
            "user_team": self.team_id,
            "size": size,
            "is_external": False,
            "is_public": True,
            "channels": [],
            "groups": [],
            "ims": [],
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{file_id}/{name}",
            "permalink": f"https://{self.domain}.slack.com/files/{self.bot_user_id}/{file_id}",
        }
        self.files[file_id] = file
        return file

    def _share(
        self, files: list[dict[str, Any]], channels: list[str], comment: Any, thread_ts: Any
    ) -> None:
        for ref in channels:
            channel = self._writable({"channel": ref})
            key = "ims" if channel.get("is_im") else "channels"
            for file in files:
                file[key].append(channel["id"])
            public = [{k: v for k, v in f.items() if k != "content"} for f in files]
            self._store(
                channel["id"],
                {
                    **self._bot_fields(),
                    "text": comment or "",
                    "files": public,
                    "upload": True,
                    "thread_ts": thread_ts,
                },
            )

    def api_files_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = params.get("file")
        content = upload["content"] if isinstance(upload, dict) else params.get("content")
        if content is None:
            raise SlackFailure("no_file_data")
        data = content if isinstance(content, bytes) else str(content).encode()
        name = params.get("filename") or (upload or {}).get("filename") or "file"
        file = self._new_file(name, params.get("title"), len(data))
        file["content"] = data
        self._share(
            [file],
            _split(params.get("channels")),
            params.get("initial_comment"),
            params.get("thread_ts"),
        )
        return {"file": {k: v for k, v in file.items() if k != "content"}}

    def api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            raise SlackFailure("invalid_arguments")
        file = self._new_file(params["filename"], None, int(params["length"]))
        return {"upload_url": f"{self.root_url}upload/v1/{file['id']}", "file_id": file["id"]}

    def api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackFailure("invalid_arguments")
        files = []
        for entry in entries:
            file = self.files.get(str(entry.get("id")))
            if file is None:
                raise SlackFailure("file_not_found")
            file["title"] = entry.get("title") or file["name"]
            files.append(file)
        targets = _split(params.get("channels")) or _split(params.get("channel_id"))
        self._share(files, targets, params.get("initial_comment"), params.get("thread_ts"))
        return {"files": [{k: v for k, v in f.items() if k != "content"} for f in files]}
