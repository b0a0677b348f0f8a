"""Boards (one file each), ranking statistics, the static site and the regression gate."""
