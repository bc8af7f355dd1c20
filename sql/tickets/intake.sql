-- Registers a ticket: routing, duplicate candidates, deadlines, address, contact, events, outage link — misto_intake_ticket() in migration 0012.
SELECT * FROM misto_intake_ticket($ticket::jsonb)
