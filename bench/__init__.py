"""Benchmarks: each measures the bot against a baseline run in the same process and reports
the ratio. `python -m bench` runs them all at a quick size; `--full` at the documented sizes."""
