"""Ballot pages: the member's ballot paper and receipt (member), the secretary's ballot
console (office)."""
