"""Writes for ballots: the paper (ballots.py), the frozen electorate (electorate.py) and
casting (casting.py)."""
