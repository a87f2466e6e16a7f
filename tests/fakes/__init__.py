"""Local fakes of external platforms (Discord, …) for tests."""
