-- Takes the telephonogram lock for this transaction (see misto_lock_telephonograms in 0006): outage writes and address inserts take turns.
SELECT misto_lock_telephonograms()
