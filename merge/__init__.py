"""Candidate generators: merge methods, the ratio sweep and SFT, one file each."""
