"""A postal batch as a mail house wants it: one PDF of addressed letters (the notice after
the address block), and a CSV of names and address lines."""

import csv
import io

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from governance.formatting import latin1

from .models import PostalBatch

NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
ADDRESS_LINES = 6



def _letters(batch: PostalBatch):
    return batch.letters.select_related("member").order_by("member__member_number")


def postal_batch_pdf(batch: PostalBatch) -> bytes:
    notice = batch.notice
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(notice.subject))
    pdf.set_lang("en-GB")
    pdf.set_auto_page_break(auto=True, margin=15)
    for letter in _letters(batch):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 11)
        pdf.set_y(45)  # the address shows through a window envelope
        pdf.multi_cell(90, 5, latin1(f"{letter.member.full_name}\n{letter.address}"), **NEXT)
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(0, 5, f"Member number {letter.member.member_number}", **NEXT)
        pdf.ln(8)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, latin1(notice.body), **NEXT)
    return bytes(pdf.output())


def postal_batch_csv(batch: PostalBatch) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member_number", "name"]
                    + [f"address_{n}" for n in range(1, ADDRESS_LINES + 1)])
    for letter in _letters(batch):
        lines = [line.strip() for line in letter.address.replace(",", "\n").splitlines()
                 if line.strip()]
        lines = lines[:ADDRESS_LINES - 1] + [", ".join(lines[ADDRESS_LINES - 1:])] \
            if len(lines) > ADDRESS_LINES else lines
        writer.writerow([letter.member.member_number, letter.member.full_name]
                        + lines + [""] * (ADDRESS_LINES - len(lines)))
    return out.getvalue()
