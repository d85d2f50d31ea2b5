"""Counting of ballots: single transferable vote (``stv``) and the BLT ballot file format
(``blt``)."""
