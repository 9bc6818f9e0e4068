/**
 * Reading Elasticsearch's answers to `POST /_bulk`: what to do with the
 * request as a whole, and with each item of a 200 answer.
 */
import type { BulkAnswer } from './bulk-request';

export interface ItemOutcome {
  /** 2xx: indexed (created or updated); 429: try again; anything else: rejected. */
  status: number;
  /** Elasticsearch's error type and reason for a failed item. */
  error: string | null;
  errorType: string | null;
}

export type AnswerVerdict =
  | { kind: 'items'; items: ItemOutcome[] }
  /** Worth sending again (429, 5xx, an answer that cannot be read); `nodeDown` for 502/503/504. */
  | { kind: 'retry'; reason: string; nodeDown: boolean }
  /** Elasticsearch refused the request itself (400, 401, 403, 404, 413...): sending it again will not help. */
  | { kind: 'refused'; reason: string };

/** `type: reason` (and what caused it) from an Elasticsearch error object or string. */
export function describeEsError(error: unknown): { type: string | null; text: string } {
  if (typeof error === 'string') return { type: null, text: error };
  if (error && typeof error === 'object') {
    const e = error as { type?: unknown; reason?: unknown; caused_by?: unknown };
    const type = typeof e.type === 'string' ? e.type : null;
    let text = [type, typeof e.reason === 'string' ? e.reason : null].filter((x) => x !== null).join(': ');
    if (e.caused_by && typeof e.caused_by === 'object') text += ` (caused by ${describeEsError(e.caused_by).text})`;
    return { type, text: text || JSON.stringify(error) };
  }
  return { type: null, text: JSON.stringify(error) };
}

function describeBody(answer: BulkAnswer): string {
  try {
    const parsed = JSON.parse(answer.body) as { error?: unknown };
    if (parsed && typeof parsed === 'object' && 'error' in parsed) return describeEsError(parsed.error).text;
  } catch {
    // not JSON: a proxy's page, say
  }
  const text = answer.body.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text || '(empty answer)';
}

export function readBulkAnswer(answer: BulkAnswer, sent: number): AnswerVerdict {
  const { status } = answer;
  if (status === 429 || status >= 500) {
    return { kind: 'retry', reason: `HTTP ${status}: ${describeBody(answer)}`, nodeDown: status >= 502 && status <= 504 };
  }
  if (status < 200 || status >= 300) return { kind: 'refused', reason: `HTTP ${status}: ${describeBody(answer)}` };
  let parsed: { items?: unknown };
  try {
    parsed = JSON.parse(answer.body) as { items?: unknown };
  } catch {
    return { kind: 'retry', reason: `HTTP ${status} with an answer that is not JSON`, nodeDown: false };
  }
  const items = parsed?.items;
  if (!Array.isArray(items) || items.length !== sent) {
    return { kind: 'retry', reason: `HTTP ${status} with ${Array.isArray(items) ? items.length : 'no'} items for ${sent} documents`, nodeDown: false };
  }
  return {
    kind: 'items',
    items: items.map((item): ItemOutcome => {
      const result = item && typeof item === 'object' ? (Object.values(item)[0] as { status?: unknown; error?: unknown }) : undefined;
      const itemStatus = typeof result?.status === 'number' ? result.status : 0;
      if (itemStatus >= 200 && itemStatus < 300) return { status: itemStatus, error: null, errorType: null };
      const err = describeEsError(result?.error ?? `item status ${itemStatus}`);
      return { status: itemStatus, error: err.text, errorType: err.type ?? `status ${itemStatus}` };
    }),
  };
}
