"""The miniature world: tokenizers, pico random models and (later) trained tiny parents.

Everything here is built by the project's own code, offline, so tests and the embedded default
never download a model.
"""
