"""Writes for membership. Each public function owns its transaction and writes its audit
rows; split by subject:

- ledger: allotments, withdrawals, transfers, reversals, and the limits they enforce
- applications: apply, confirm email, approve or reject, record payment, allot and admit
- withdrawals: requests, the queue, payment
- members: class changes and cessation
- register_import: importing an existing register
- inspection: the log of requests to inspect the register
"""
