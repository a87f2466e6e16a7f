"""Discord: the discord.py client (adapter, client, inbound, interactions), the Chat port
(chat, render), translation to neutral events (translate) and the invite URL (invite)."""
