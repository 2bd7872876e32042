import type { RequestOptions } from '../api/client';
import { EndpointName, ENDPOINTS, EndpointSpec } from '../api/endpoints';
import { copyOfAnswer } from '../api/copy';
import { parseRows } from '../api/rows';
import type { AccountSession } from '../session/session';

/** A node's `output`: plain values (the default) or the broker's `data` as it came. */
export type RowsOutput = 'parsed' | 'raw';

/** The node's `output` setting; anything but "raw" is "parsed", the default. */
export function rowsOutput(setting: unknown): RowsOutput {
  return setting === 'raw' ? 'raw' : 'parsed';
}

/**
 * Calls a list endpoint of the table and answers its rows for one message. Parsed: the rows by
 * the rule of src/api/rows.ts with the row's identifiers and dates. Raw: the broker's `data`
 * untouched. `data: null` (or "None") is no rows, `[]`, in both. Each message gets its own copy,
 * also when identical calls in flight were merged into one.
 */
export async function readRows(session: AccountSession, endpoint: EndpointName, output: RowsOutput, options: RequestOptions = {}): Promise<unknown> {
  const spec: EndpointSpec = ENDPOINTS[endpoint];
  const envelope = await session.call(endpoint, options);
  // checked in both outputs: raw is the broker's data as it came, but only the shape the API documents
  const rows = parseRows(envelope.data, { identifiers: spec.identifiers, dates: spec.dates, what: spec.what });
  if (output === 'parsed') return rows;
  return rows.length === 0 ? [] : copyOfAnswer(envelope.data, spec.what);
}
