"""thaibench: a Thai/English reasoning evaluation harness.

The import is deliberately light (no torch, no transformers): `thaibench --help` and
`thaibench tasks` must answer in well under a second. Heavy libraries are imported inside the
functions that need them.
"""

__version__ = "0.1.0"
