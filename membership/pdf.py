"""PDF documents: share certificates and the register of members (fpdf2)."""

import datetime as dt

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from governance.formatting import latin1

from .models import ShareTransaction

NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}



def share_certificate_pdf(*, entry: ShareTransaction, organisation) -> bytes:
    member, share_class = entry.member, entry.share_class
    pdf = FPDF(format="A4")
    pdf.set_title(f"Share certificate {entry.certificate_number}")
    pdf.set_author(latin1(organisation.name if organisation else ""))
    pdf.set_lang("en-GB")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 14, latin1(organisation.name if organisation else "Share certificate"),
             align="C", **NEXT)
    pdf.set_font("Helvetica", "", 11)
    if organisation is not None:
        pdf.cell(0, 6, latin1(f"{organisation.get_legal_form_display()}"
                               + (f", registered number {organisation.registration_number}"
                                  if organisation.registration_number else "")),
                 align="C", **NEXT)
    pdf.ln(10)
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, "Share certificate", align="C", **NEXT)
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, f"Certificate number {entry.certificate_number}", align="C", **NEXT)
    pdf.ln(8)
    body = (
        f"This is to certify that {member.full_name}, member number {member.member_number}, "
        f"is the registered holder of {entry.shares:,} {share_class.name} of "
        f"GBP {share_class.par_value:,.2f} each, fully paid, allotted on "
        f"{entry.effective_on:%d %B %Y}, subject to the rules of the society."
    )
    pdf.multi_cell(0, 7, latin1(body), **NEXT)
    pdf.ln(6)
    facts = [
        ("Shares", f"{entry.shares:,}"),
        ("Paid up", f"GBP {entry.paid_up:,.2f}"),
        ("Withdrawable", "Yes" if share_class.withdrawable else "No"),
        ("Transferable", "Yes" if share_class.transferable else "No"),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(45, 7, label)
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 7, value, **NEXT)
    pdf.ln(10)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, latin1(
        "Shares in a mutual are not investments that grow in value: they are repaid at no "
        "more than the amount paid up, and only as the rules allow. This certificate is "
        "evidence of the entry in the register of members, which is the legal record."), **NEXT)
    return bytes(pdf.output())


def register_pdf(*, rows, organisation, as_at: dt.date, with_holdings: bool,
                 total_rows: int) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(f"Register of members as at {as_at:%d %B %Y}")
    pdf.set_lang("en-GB")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    name = organisation.name if organisation else "Register of members"
    pdf.cell(0, 9, latin1(f"{name}: register of members as at {as_at:%d %B %Y}"), **NEXT)
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, f"{total_rows:,} entries"
             + ("" if with_holdings else " (without holdings, as members may inspect it)"),
             **NEXT)
    headings = ["No.", "Name", "Address", "Class", "Admitted", "Ceased"]
    widths = [16, 55, 95, 32, 24, 24]
    if with_holdings:
        headings += ["Shares", "Paid up"]
        widths = [16, 50, 80, 28, 22, 22, 18, 25]
    with pdf.table(col_widths=widths, text_align="LEFT", first_row_as_headings=True,
                   line_height=5) as table:
        table.row(headings)
        for row in rows:
            cells = [str(row.member_number), row.full_name, row.address.replace("\n", ", "),
                     row.class_name, f"{row.admitted_on:%d/%m/%Y}",
                     f"{row.ceased_on:%d/%m/%Y}" if row.ceased_on else ""]
            if with_holdings:
                cells += [f"{row.shares:,}", f"{row.paid_up:,.2f}"]
            table.row([latin1(c) for c in cells])
    return bytes(pdf.output())
