-- The public projection of tickets by id: only what a citizen may see (no contact row, no token, no
-- operator notes). A duplicate shows its original's progress: its reporter follows the original.
-- Open311 GET, the citizen's card, intake's answer and the live stream all read this one query and
-- hand its rows to server/tickets/present.ts.
-- The statement is misto_public_tickets() of migration 0017, where its plan is kept.
SELECT * FROM misto_public_tickets($ids::jsonb)
