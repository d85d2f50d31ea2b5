"""The tally module's input from a sealed count's decrypted totals. Pure: the platform's
count and the independent recount of a bundle both build their rows here, from the same
record (`Ballot.count_record`, or the bundle's `sealed/record.json`).

A cell's rows carry its weighted sum over its count as an exact fraction, so the tally adds
up the same totals as it would from the papers one by one; withheld is what the cell's
papers (public) leave over once for and against are known."""
from fractions import Fraction

ALL = "all"


def values_by_label(record: dict) -> dict[tuple, int]:
    return {tuple(label): value for label, value in
            zip(record.get("totals_labels", []), record.get("values") or [], strict=False)}


def resolution_rows(record: dict, qid: str) -> list[dict]:
    values = values_by_label(record)
    weighted = record["weighted"][qid]
    rows = []
    for cell, sizes in sorted(record["cells"][qid].items()):
        counts = [values[(qid, cell, "count", entry)] for entry in (0, 1)]
        weights = [values[(qid, cell, "weight", entry)] for entry in (0, 1)] if weighted \
            else [n * sizes["weight_each"] for n in counts]
        withheld = sizes["papers"] - sum(counts)
        for choice, count, weight in (("for", counts[0], weights[0]),
                                      ("against", counts[1], weights[1]),
                                      ("withheld", withheld, sizes["weight"] - sum(weights))):
            if count:
                rows.append({"class": "" if cell == ALL else cell,
                             "weight": str(Fraction(weight, count)), "choice": choice,
                             "count": count})
    return rows


def plurality_papers(record: dict, qid: str, options: int) -> list[tuple[tuple[int], int]]:
    """One paper per candidate holding that candidate's votes: the count adds them up as it
    would the papers themselves (its valid votes are the papers cast: `valid_weight`)."""
    values = values_by_label(record)
    weighted = record["weighted"][qid]
    each = record["cells"][qid][ALL]["weight_each"]
    papers = []
    for i in range(options):
        votes = values[(qid, ALL, "weight", i)] if weighted else \
            values[(qid, ALL, "count", i)] * each
        if votes:
            papers.append(((i,), votes))
    return papers


def valid_weight(record: dict, qid: str) -> int:
    return record["cells"][qid][ALL]["weight"]


def stv_papers(record: dict, qid: str) -> list[tuple[tuple[int, ...], int]]:
    papers: dict[tuple[int, ...], int] = {}
    for ranking, weight in record["rankings"][qid]:
        papers[tuple(ranking)] = papers.get(tuple(ranking), 0) + weight
    return sorted(papers.items())
