// Names who acts in this transaction, for the audit trail (see misto_audit() in 0008).
import type { Queryable } from './db.js';

export async function setActor(tx: Queryable, actor: string): Promise<void> {
  await tx.sql("SELECT set_config('misto.actor', $actor, true)", { actor });
}
