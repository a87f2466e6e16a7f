"""The console workspace: a local terminal stand-in for Slack and Discord."""
