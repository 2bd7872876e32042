import type { Node, NodeAPI, NodeMessageInFlow, NodeStatus } from 'node-red';
import type { FeedState, FeedSubscriber, MalformedReport, Tick } from '../account/feed';
import { ErrorCode, isMStockError, MStockError } from '../api/errors';
import { FEED_MODES, FeedMode } from '../api/feed-parser';
import type { Instrument } from '../api/instruments';
import { instrumentKey, OWN_LIST, resolveInstruments, splitInstrumentList } from '../api/quotes';
import { refused } from '../api/refusal';
import { MODE_FROM_MSG, readTickRequest } from '../api/tick-request';
import type { AccountSession } from '../session/session';
import { resolveAccount } from './account';
import { errorStatus, sessionStatus } from './status';
import { TickThrottle } from './tick-throttle';

export interface TicksDef {
  account?: string;
  /** "ltp", "quote", "snap", or "msg" (set by msg.mode). */
  mode?: string;
  /** The node's own list: instruments separated by commas or new lines. */
  instruments?: string;
  /** ms: at most one message per instrument per this many ms; 0 for every tick. */
  throttle?: string | number;
}

/** The mode of the node's own list when Mode is "set by msg.mode" (the list has no message to say it). */
const OWN_LIST_MODE_FROM_MSG: FeedMode = 'ltp';
const MAX_THROTTLE_MS = 3_600_000;

export function tickTopic(instrument: Pick<Instrument, 'exchange' | 'token'>): string {
  return `mstock/tick/${instrument.exchange}/${instrument.token}`;
}

/** A tick as the node sends it: the instrument as the master names it, then the tick's own fields. */
export function tickPayload(instrument: Instrument, tick: Tick): Record<string, unknown> {
  const payload: Record<string, unknown> = { exchange: instrument.exchange, token: instrument.token, symbol: instrument.symbol };
  // the tick names the same instrument: its exchange and token are the master's already
  for (const [key, value] of Object.entries(tick)) if (key !== 'exchange' && key !== 'token') payload[key] = value;
  return payload;
}

/** The throttle setting in ms; anything but a whole number from 0 to an hour is refused. */
export function throttleMs(value: string | number | undefined): number {
  const text = value === undefined || value === null ? '' : String(value).trim();
  const ms = text === '' ? 0 : Number(text);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_THROTTLE_MS) {
    throw refused(`The node's throttle must be a whole number of milliseconds from 0 (every tick) to ${MAX_THROTTLE_MS}.`);
  }
  return ms;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The node's status for the feed's state; undefined where the session's own status says it all. */
export function feedStatus(state: FeedState['state'], instruments: number): NodeStatus | undefined {
  switch (state) {
    case 'streaming':
      return { fill: 'green', shape: 'dot', text: `streaming ${plural(instruments, 'instrument')}` };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: 'connecting' };
    case 'waiting':
      return { fill: 'grey', shape: 'ring', text: 'waiting for session' };
    case 'error':
      return { fill: 'red', shape: 'ring', text: 'feed error' };
    default:
      return undefined;
  }
}

/**
 * The mstock-ticks node's work: its own list subscribed once the session is live, subscribe and
 * unsubscribe by message, one message per tick (throttled per instrument), a status that follows
 * the feed, and nothing sent after close.
 */
export function attachTicks(RED: NodeAPI, node: Node, def: TicksDef): void {
  let problem: MStockError | undefined;
  let session: AccountSession | undefined;
  let subscriber: FeedSubscriber | undefined;
  let throttle: TickThrottle<{ instrument: Instrument; tick: Tick }> | undefined;
  const resolved = resolveAccount(RED, def.account);
  const ownList = splitInstrumentList(def.instruments);
  const ownMode: FeedMode = !def.mode || def.mode === MODE_FROM_MSG ? OWN_LIST_MODE_FROM_MSG : (def.mode as FeedMode);
  /** The instruments held, by exchange and token, as the master names them. */
  const held = new Map<string, Instrument>();
  /** The own list: still to be subscribed, being resolved, done, or refused (not tried again). */
  let own: 'pending' | 'resolving' | 'done' | 'refused' = ownList.length > 0 ? 'pending' : 'done';
  /** Why the own list was refused. */
  let ownRefusal: MStockError | undefined;
  let closed = false;
  let shown = '';
  let loggedFailure: string | undefined;
  let modeWarned = false;
  /** Messages are handled one after the other, in the order they came. */
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>) => {
    // a task that throws must not stop the ones after it, nor go unhandled
    queue = queue.then(task).catch((err: unknown) => {
      const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
      node.error(`mStock: unexpected internal error: ${session ? session.redactSecrets(detail) : detail}`);
    });
  };

  const show = (status: NodeStatus) => {
    const key = `${status.fill}|${status.shape}|${status.text}`;
    if (closed || key === shown) return;
    shown = key;
    node.status(status);
  };
  const showState = () => {
    if (problem) return show(errorStatus(problem));
    if (!session) return;
    if (held.size === 0 && own === 'done') return show(sessionStatus(session.state, session.expiresAt));
    if (held.size === 0 && ownRefusal) return show(errorStatus(ownRefusal));
    if (session.state !== 'live') return show(feedStatus('waiting', 0)!);
    if (held.size === 0) return show(feedStatus('connecting', 0)!);
    show(feedStatus(subscriber!.state.state, held.size) ?? sessionStatus(session.state, session.expiresAt));
  };

  try {
    if (resolved instanceof MStockError) throw resolved;
    session = resolved;
    if (def.mode !== undefined && def.mode !== '' && def.mode !== MODE_FROM_MSG && !(FEED_MODES as readonly string[]).includes(def.mode)) {
      throw refused(`The node's mode must be "ltp", "quote", "snap" or "set by msg.mode", not "${String(def.mode)}".`);
    }
    const every = throttleMs(def.throttle);
    throttle = new TickThrottle(every, (key, { instrument, tick }) => {
      if (closed || !held.has(key)) return;
      node.send({ topic: tickTopic(instrument), payload: tickPayload(instrument, tick) });
    });
    subscriber = session.feed.subscriber({
      tick: (tick) => {
        const key = instrumentKey(tick);
        const instrument = held.get(key);
        if (closed || !instrument) return;
        throttle!.offer(key, { instrument, tick });
      },
      state: (state) => {
        // ticks held back are stale once the session has gone
        if (state.state === 'waiting' || state.state === 'idle') throttle!.drop();
        if (state.state === 'error' && state.message && state.message !== loggedFailure) {
          loggedFailure = state.message;
          node.error(session!.redactSecrets(state.message));
        }
        if (state.state === 'streaming') loggedFailure = undefined;
        showState();
      },
      malformed: (report: MalformedReport) => {
        const what = report.count === 1 ? '1 frame or packet' : `${report.count} frames or packets`;
        node.warn(
          `mStock's live feed: ${what} could not be read and ${report.count === 1 ? 'was' : 'were'} skipped; ` +
            `the last was ${report.problem}. This is reported at most once a minute.`,
        );
      },
    });
  } catch (err) {
    problem = isMStockError(err) ? err : new MStockError(ErrorCode.NO_CREDENTIALS, 'The mStock account node is not ready. Check its settings and deploy again.');
  }

  const subscribeOwnList = () => {
    if (closed || !session || !subscriber || own !== 'pending' || session.state !== 'live') return;
    own = 'resolving';
    enqueue(async () => {
      try {
        const master = await session!.instruments();
        if (closed) return;
        const instruments = resolveInstruments(master, { items: ownList, source: OWN_LIST, single: false });
        hold(instruments, ownMode);
        own = 'done';
      } catch (err) {
        if (closed) return;
        const refusal = isMStockError(err) && err.code === ErrorCode.INVALID_INPUT;
        // a list that names an unknown instrument stays wrong until it is edited; anything else is tried again when the session is next live
        own = refusal ? 'refused' : 'pending';
        if (refusal) ownRefusal = err;
        node.error(isMStockError(err) ? err.message : `mStock ticks: the node's Instruments list could not be subscribed to: ${session!.redactSecrets(String(err))}`);
        if (!refusal) show(errorStatus(err));
        else showState();
        return;
      }
      showState();
    });
  };

  const hold = (instruments: Instrument[], mode: FeedMode) => {
    subscriber!.subscribe(instruments.map(({ exchange, token }) => ({ exchange, token })), mode);
    for (const instrument of instruments) held.set(instrumentKey(instrument), instrument);
  };

  const release = (instruments: Instrument[] | undefined) => {
    if (!instruments) {
      subscriber!.unsubscribe();
      held.clear();
      throttle!.drop();
      return;
    }
    const mine = instruments.filter((instrument) => held.has(instrumentKey(instrument)));
    if (mine.length === 0) return;
    subscriber!.unsubscribe(mine.map(({ exchange, token }) => ({ exchange, token })));
    for (const instrument of mine) {
      held.delete(instrumentKey(instrument));
      throttle!.drop(instrumentKey(instrument));
    }
  };

  const handle = async (msg: NodeMessageInFlow): Promise<void> => {
    const request = readTickRequest(msg as { payload?: unknown; mode?: unknown }, def.mode);
    if (request.action === 'subscribe' && request.modeIgnored && !modeWarned) {
      modeWarned = true;
      node.warn(`The message's mode is ignored: the node's own Mode (${request.mode}) is set. Set Mode to "set by msg.mode" to take it from the message.`);
    }
    if (request.action === 'unsubscribe' && !request.asked) {
      release(undefined);
      // the own list too: it comes back with the next deploy
      if (own === 'pending') own = 'done';
      return;
    }
    const master = await session!.instruments();
    if (closed) return;
    const instruments = resolveInstruments(master, request.asked!);
    if (request.action === 'subscribe') hold(instruments, request.mode);
    else release(instruments);
  };

  const onSessionChange = () => {
    subscribeOwnList();
    showState();
  };
  session?.on('change', onSessionChange);
  showState();
  subscribeOwnList();

  node.on('input', (msg, _send, done) => {
    if (problem || !session || !subscriber) {
      const failure = problem ?? new MStockError(ErrorCode.NO_CREDENTIALS, 'The mStock account node is not ready. Check its settings and deploy again.');
      show(errorStatus(failure));
      done(failure);
      return;
    }
    subscribeOwnList();
    enqueue(() =>
      handle(msg).then(
        () => {
          if (closed) return done();
          showState();
          done();
        },
        (err: unknown) => {
          if (closed) return done();
          let failure: MStockError;
          if (isMStockError(err)) {
            failure = err;
          } else {
            const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
            node.error(`mStock: unexpected internal error: ${session!.redactSecrets(detail)}`);
            failure = new MStockError(ErrorCode.SERVER_ERROR, 'The mStock node failed unexpectedly: an internal error, written to the Node-RED log. Please report it.');
          }
          show(errorStatus(failure));
          done(failure);
        },
      ),
    );
  });

  node.on('close', (done: () => void) => {
    closed = true;
    session?.off('change', onSessionChange);
    throttle?.drop();
    subscriber?.close();
    held.clear();
    done();
  });
}
