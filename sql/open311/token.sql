-- The service request a token was given for (Open311 GET tokens/{token}).
SELECT id FROM tickets WHERE token = $token::uuid
