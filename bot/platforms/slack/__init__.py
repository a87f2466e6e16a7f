"""Slack: a slack-bolt app (`adapter`) that turns payloads into neutral events (`translate`,
`interactive`), and the Chat port on the Web API (`chat`, rendering in `render`), with names
cached by `directory` and every call paced and its errors mapped by `web`."""
