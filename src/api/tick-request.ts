import { FEED_MODES, FeedMode } from './feed-parser';
import type { AskedInstruments } from './quotes';
import { describeValue, refused } from './refusal';

/**
 * What an mstock-ticks message asks for: `msg.payload` = `{ action: "subscribe" | "unsubscribe",
 * mode?, instruments }`. Pure: nothing is resolved or subscribed here.
 */

export const TICK_ACTIONS = ['subscribe', 'unsubscribe'] as const;
export type TickAction = (typeof TICK_ACTIONS)[number];

/** The node's Mode setting that takes the mode from the message. */
export const MODE_FROM_MSG = 'msg';

export type TickRequest =
  | { action: 'subscribe'; mode: FeedMode; asked: AskedInstruments; modeIgnored: boolean }
  /** `asked` undefined: every instrument of the node. */
  | { action: 'unsubscribe'; asked: AskedInstruments | undefined };

const SHAPE = '{ "action": "subscribe" | "unsubscribe", "mode": "ltp" | "quote" | "snap" (optional), "instruments": [...] }';
const SOURCE = 'msg.payload.instruments';

const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

function modeOf(value: unknown, where: string): FeedMode {
  const match = typeof value === 'string' ? FEED_MODES.find((mode) => mode === value.trim().toLowerCase()) : undefined;
  if (match) return match;
  throw refused(`${where} must be one of ${FEED_MODES.map((m) => `"${m}"`).join(', ')}, but it was ${describeValue(value)}.`);
}

/**
 * Reads one message. The node's own Mode wins over a mode in the message (`modeIgnored` says that
 * one differed); with "set by msg.mode" the mode is `msg.mode`, else `msg.payload.mode`.
 */
export function readTickRequest(msg: { payload?: unknown; mode?: unknown }, configuredMode: string | undefined): TickRequest {
  const payload = msg.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw refused(`msg.payload must be ${SHAPE}, but it was ${describeValue(payload)}.`);
  }
  const request = payload as { action?: unknown; mode?: unknown; instruments?: unknown };
  const actionText = typeof request.action === 'string' ? request.action.trim().toLowerCase() : undefined;
  const action = TICK_ACTIONS.find((a) => a === actionText);
  if (!action) throw refused(`msg.payload.action must be "subscribe" or "unsubscribe", but it was ${describeValue(request.action)}.`);

  const instruments = request.instruments;
  const asked: AskedInstruments | undefined = !given(instruments)
    ? undefined
    : Array.isArray(instruments)
      ? { items: instruments, source: SOURCE, single: false }
      : { items: [instruments], source: SOURCE, single: true };
  if (action === 'unsubscribe') return { action, asked };
  if (!asked) throw refused(`msg.payload.instruments names no instrument to subscribe to: give one, e.g. "NSE:SBIN-EQ", or a list of them.`);

  const fromMsg = configuredMode === undefined || configuredMode === '' || configuredMode === MODE_FROM_MSG;
  if (fromMsg) {
    if (!given(msg.mode) && !given(request.mode)) {
      throw refused('The node\'s Mode is "set by msg.mode", but the message has neither msg.mode nor msg.payload.mode: give "ltp", "quote" or "snap".');
    }
    const mode = given(msg.mode) ? modeOf(msg.mode, 'msg.mode') : modeOf(request.mode, 'msg.payload.mode');
    return { action, mode, asked, modeIgnored: false };
  }
  const mode = modeOf(configuredMode, "The node's mode");
  const others = [msg.mode, request.mode].filter(given);
  const modeIgnored = others.some((value) => typeof value !== 'string' || value.trim().toLowerCase() !== mode);
  return { action, mode, asked, modeIgnored };
}
