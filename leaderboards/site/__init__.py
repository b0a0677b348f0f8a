"""The static leaderboard site: one self-contained directory (see build.py)."""
