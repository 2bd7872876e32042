import { FEED_MODE_NUMBER, FeedMode } from './feed-parser';
import { Exchange, FEED_EXCHANGE_TYPE } from './instruments';

/** The text frames a feed client sends (FACTS-TRADING.md §3.1, §3.2). */

export interface FeedInstrument {
  exchange: Exchange;
  token: string;
}

/** The frame that logs the socket in; mStock answers nothing to it. */
export function loginFrame(sessionToken: string): string {
  return `LOGIN:${sessionToken}`;
}

/** `{"action":1,"params":{"mode":…,"tokenList":[{"exchangeType":…,"tokens":[…]}]}}`, one group per exchange type. */
export function subscribeFrame(mode: FeedMode, instruments: readonly FeedInstrument[]): string {
  return actionFrame(1, mode, instruments);
}

/** The same with `action` 0; it carries the mode the instruments were subscribed in. */
export function unsubscribeFrame(mode: FeedMode, instruments: readonly FeedInstrument[]): string {
  return actionFrame(0, mode, instruments);
}

function actionFrame(action: 0 | 1, mode: FeedMode, instruments: readonly FeedInstrument[]): string {
  const groups = new Map<number, string[]>();
  for (const { exchange, token } of instruments) {
    const type = FEED_EXCHANGE_TYPE[exchange];
    const tokens = groups.get(type) ?? [];
    if (!tokens.includes(token)) tokens.push(token);
    groups.set(type, tokens);
  }
  const tokenList = [...groups].map(([exchangeType, tokens]) => ({ exchangeType, tokens }));
  return JSON.stringify({ action, params: { mode: FEED_MODE_NUMBER[mode], tokenList } });
}
