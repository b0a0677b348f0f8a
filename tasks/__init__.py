"""Benchmark tasks, one (or one small family) per file, registered by decorator.

`thaibench.task.TASKS` imports every module of this package on first lookup.
"""
