// One JSON log line per write or admin action: who (token name and id, never the secret), what, on which CID.
// On the server's logger, so it goes wherever the logs go; `audit` is the field to filter on.
import type { Principal } from './access.ts';

export interface AuditSink {
  info(msg: string, fields?: Record<string, unknown>): void;
}

export function audit(logger: AuditSink, who: Pick<Principal, 'id' | 'name'>, action: string, fields: Record<string, unknown> = {}): void {
  logger.info('audit', { audit: action, token: who.name, tokenId: who.id, ...fields });
}
