"""The ground floor: the vocabulary every other part of the program shares.

Plain data and pure functions only; nothing here imports anything else of the project, so
settings, packs, components and tools can all stand on it.
"""
