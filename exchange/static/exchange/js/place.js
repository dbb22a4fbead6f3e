// Placing an order so that a lost answer never places it twice: every order carries a
// client_order_id (one is made when the trader gave none), and while the outcome is unknown
// (503 matcher_unavailable, or no answer at all) the same body is sent again. A repeat that
// meets 409 duplicate_client_order_id means the earlier attempt placed it: that order is
// the answer (API.md, "Errors (added)").

import { ApiError, get, post } from "./api.js";

const ATTEMPTS = 3;
const PAUSE_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client_order_id for an order the trader gave none (API.md: 1-64 of [A-Za-z0-9._:/-]). */
export function newClientOrderId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `web-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

function outcomeUnknown(error) {
  return error.code === "matcher_unavailable" || error.status === 0;
}

/** The order `body` placed (POST /orders), sent again while its outcome is unknown. */
export async function placeOrder(body, { attempts = ATTEMPTS, pauseMs = PAUSE_MS } = {}) {
  const sent = body.client_order_id ? body : { ...body, client_order_id: newClientOrderId() };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await post("/orders", sent);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const placedBefore = attempt > 1 && error.code === "duplicate_client_order_id";
      if (placedBefore && error.details.order_id) return get(`/orders/${error.details.order_id}`);
      if (!outcomeUnknown(error) || attempt >= attempts) throw error;
      await sleep(pauseMs);
    }
  }
}
