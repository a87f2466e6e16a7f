"""Platform adapters: the only code that knows Slack, Discord or the console exist."""
