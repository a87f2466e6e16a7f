"""`python -m bot` is `community-bot`."""

from bot.cli import main

raise SystemExit(main())
