"""Scheduled sync: bring every configured target up to date with the source, exactly once."""
