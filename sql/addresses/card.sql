-- The operator's address card in one round trip: the address; its live outages with the telephonogram text to read out and its manual notices; open tickets at and around it; the last closed there; objects nearby with their owners. No row when there is no address $id.
-- The statement is misto_address_card (migration 0015), in PL/pgSQL so that its plan is kept for
-- the connection: planning it again on every call cost as much CPU as running it.
SELECT card
FROM misto_address_card($id::int, $radiusM::float8, $now::timestamptz, $ticketLimit::int, $closedLimit::int, $objectLimit::int) AS card
WHERE card IS NOT NULL
