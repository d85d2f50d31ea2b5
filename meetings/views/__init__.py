"""Pages of general meetings: the secretary's console (office), the member's meeting pages
(member), and the rules, the timing planner and the board (planning)."""
