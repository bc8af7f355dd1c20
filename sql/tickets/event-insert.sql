-- Appends one event to a ticket's history.
INSERT INTO ticket_events (ticket_id, at, kind, actor_user_id, actor_kind, from_status, to_status, note, public, data)
VALUES ($ticketId::bigint, $at::timestamptz, $kind::text, $actorUserId::integer, $actorKind::text,
        $fromStatus::text, $toStatus::text, $note::text, $public::boolean, $data::jsonb)
RETURNING id
