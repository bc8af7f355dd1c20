-- Sends up to $max waiting row changes of change_log as NOTIFY on 'misto_changes' and keeps the relays awake $awakeMs more if it sent any (misto_relay_changes, migration 0016).
SELECT sent, awake FROM misto_relay_changes($max::integer, $awakeMs::integer)
