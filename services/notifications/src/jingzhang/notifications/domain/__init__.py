"""The notifications service's pure domain: who is told what, when, on which channel, and in which words.

Nothing here does I/O or reads the clock: the causing event's time comes in as an argument.
"""
