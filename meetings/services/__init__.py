"""Writes for general meetings, by subject:

- rulebooks: adopting a version of the rules, from a preset or changed settings
- meetings: meetings, their agenda, candidates and papers; attendance, adjournment, minutes
- notices: composing, checking and sending notices; postal batches; bounces; short notice
- board: retirement by rotation
- agm: when the AGM is due, and reminders
"""
