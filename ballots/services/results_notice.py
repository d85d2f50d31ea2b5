"""The results notice: once the secretary publishes the results, every member on the roll
who agreed to email is sent them, with a personal link to the results page (no login
needed), through the outbox (each once, found again if a worker dies)."""

from ..models import Ballot
from .mailings import electors_email


def results_notice_queue(ballot: Ballot) -> int:
    """Queue the notice; runs inside the publishing unit of work. Returns how many were
    new."""
    return electors_email(ballot=ballot, kind="ballot_results",
                          title=f"Results: {ballot.title}")
