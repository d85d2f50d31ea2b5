"""Membership pages, by audience: `public` (applying to join), `portal` (a member's own
pages), `office` (the secretary's back office), `board` (the register and the board's
decisions), `setup` (classes and share classes). Views only translate between HTTP and
services and selectors; every POST endpoint calls one service action."""
