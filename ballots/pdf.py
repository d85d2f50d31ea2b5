"""The results of a ballot as a PDF (fpdf2): for each question the outcome in words, the
totals, each class's votes, and for an STV election the table of stages."""

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from governance.formatting import latin1

NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
STAGES_PER_TABLE = 8  # columns of stages that fit across an A4 page


def _table(pdf: FPDF, rows: list[list[str]], widths: tuple[int, ...] | None = None) -> None:
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5,
                   first_row_as_headings=True) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(latin1(str(value)))
    pdf.ln(3)


def results_pdf(ballot, views: list[dict]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Results: {ballot.title}"))
    pdf.set_lang("en-GB")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, latin1(f"Results: {ballot.title}"), **NEXT)
    pdf.set_font("Helvetica", "", 9)
    status = (f"Published {ballot.results_published_at:%d %B %Y %H:%M} UTC"
              if ballot.results_published_at else "Not published yet")
    pdf.multi_cell(0, 5, latin1(
        f"{status}. Electors on the roll: {ballot.electors_count:,}. Roll fingerprint "
        f"(SHA-256): {ballot.electorate_fingerprint}"), **NEXT)
    pdf.ln(3)
    for view in views:
        question, data = view["question"], view["data"]
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 6, latin1(f"{question.position}. {question.title}"), **NEXT)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, latin1(view["outcome"]), **NEXT)
        if data.get("reason") and data.get("method") == "resolution":
            pdf.multi_cell(0, 5, latin1(data["reason"]), **NEXT)
        pdf.ln(2)
        if data.get("method") == "resolution":
            _table(pdf, [["", "For", "Against", "Withheld", "% for"],
                         ["All votes", data["for"], data["against"], data["withheld"],
                          data.get("percentage_for") or "-"]]
                   + [[row["name"], row["for"], row["against"], row["withheld"],
                       row["percent"] if row["percent"] is not None else "-"]
                      for row in view["classes"]])
        elif view["stages"]:
            stages = view["stages"]
            for start in range(0, len(stages["stages"]), STAGES_PER_TABLE):
                part = slice(start, start + STAGES_PER_TABLE)
                head = ["Candidate"] + [f"Stage {n}" for n in stages["stages"][part]]
                body = [[row["name"] + (" (elected)" if row["elected"] else "")]
                        + ["-" if c is None else c for c in row["cells"][part]]
                        for row in stages["rows"]]
                body.append(["Non-transferable"] + stages["non_transferable"][part])
                _table(pdf, [head] + body)
        elif view["bars"]:
            _table(pdf, [["Candidate", "Votes", "Elected"]]
                   + [[bar.label, bar.value, "Yes" if bar.tone == "elected" else ""]
                      for bar in view["bars"]])
    return bytes(pdf.output())
