import type { NodeStatus } from 'node-red';
import type { OrderCallKind, OrderGate, OrderGateState } from '../account/order-gate';
import type { Envelope } from '../api/classify';
import type { EndpointName } from '../api/endpoints';
import { isMStockError } from '../api/errors';
import { toExchange } from '../api/instruments';
import {
  findBookOrder,
  modifyOrderBody,
  orderOutcome,
  OrderOutcome,
  parseModifyOrder,
  parseOrderId,
  parsePlaceOrder,
  placeOrderBody,
  resolveOrderInstrument,
} from '../api/order-inputs';
import { refused } from '../api/refusal';
import type { AccountSession, CallOptions } from '../session/session';

export const ORDER_ACTIONS = ['place', 'modify', 'cancel', 'cancel-all'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** "orders off" while no order may be sent: grey while the account does not allow orders, red past the day's cap. */
export function orderGateStatus(state: OrderGateState): NodeStatus | undefined {
  if (!state.enabled) return { fill: 'grey', shape: 'ring', text: 'orders off' };
  if (state.closed) return { fill: 'red', shape: 'ring', text: `orders off: ${state.maxPerDay} placed today` };
  return undefined;
}

/**
 * One order call through the gate: refused (nothing sent) unless the gate admits it at the moment
 * it leaves the rate limiter's queue, where a place is counted. A place that failed before any of
 * it was written is given back.
 */
async function gatedCall(session: AccountSession, gate: OrderGate, endpoint: EndpointName, kind: OrderCallKind, options: CallOptions): Promise<Envelope> {
  let admitted = false;
  const beforeSend = () => {
    gate.admit(kind);
    admitted = true;
  };
  try {
    return await session.call(endpoint, { ...options, beforeSend });
  } catch (err) {
    if (admitted && kind === 'place' && isMStockError(err) && err.notSent) gate.giveBack();
    throw err;
  }
}

/**
 * Does one mstock-order action for `payload`. Every check of the message comes first, then the
 * gate (orders allowed, the day's cap), then the instrument or the order to change, then the one
 * order call, sent once. `signal` (the node closing) takes a call out of the queue before it is sent.
 */
export async function runOrderAction(session: AccountSession, gate: OrderGate, action: OrderAction, payload: unknown, signal?: AbortSignal): Promise<OrderOutcome> {
  switch (action) {
    case 'place': {
      const request = parsePlaceOrder(payload);
      gate.check('place');
      const instrument = resolveOrderInstrument(await session.instruments(), request);
      const envelope = await gatedCall(session, gate, 'placeOrder', 'place', { body: placeOrderBody(request, instrument), signal });
      return orderOutcome('place', envelope);
    }
    case 'modify': {
      const request = parseModifyOrder(payload);
      gate.check('change');
      const book = await session.call('orderBook', { signal });
      const row = findBookOrder(book.data, request.orderid);
      if (!row) throw refused(`There is no order ${request.orderid} in today's order book, so there is nothing to modify.`);
      const body = modifyOrderBody(request, row);
      // the order book may show the bare symbol ("SBIN"): send the trading symbol the order was placed with
      const exchange = toExchange(body.exchange);
      const instrument = exchange && (await session.instruments()).findByToken(exchange, body.symboltoken);
      if (instrument) body.tradingsymbol = instrument.symbol;
      const envelope = await gatedCall(session, gate, 'modifyOrder', 'change', { body, pathParams: { orderid: request.orderid }, signal });
      return orderOutcome('modify', envelope, request.orderid);
    }
    case 'cancel': {
      const orderid = parseOrderId(payload);
      gate.check('change');
      // [PROD] variety NORMAL always (FACTS-TRADING §2.3)
      const envelope = await gatedCall(session, gate, 'cancelOrder', 'change', { body: { variety: 'NORMAL', orderid }, pathParams: { orderid }, signal });
      return orderOutcome('cancel', envelope, orderid);
    }
    default: {
      gate.check('change');
      const envelope = await gatedCall(session, gate, 'cancelAll', 'change', { signal });
      const { message } = orderOutcome('cancel-all', envelope);
      return { action: 'cancel-all', message };
    }
  }
}
