// The dead man's switch (API.md, "Order control", POST /api/v1/orders/cancel-after): armed
// with a timeout, it cancels every open order of the user, in every market and stops
// included, unless it is armed again in time; 0 turns it off. The control shows when it
// fires, counting down; "Keep alive" arms it again, and auto-renew arms it again every third
// of the timeout while this page is open, so closing the page (or losing the network) lets
// it fire. The page remembers the last answer it got (localStorage, per user) to show the
// switch at once after a reload, then reads the server's (GET /api/v1/orders/cancel-after),
// which also shows a switch armed from another tab or client, or one that has fired.

import { ApiError, get, post } from "./api.js";
import { $, clock } from "./dom.js";
import { countdown } from "./market-status.js";

export const MIN_SECONDS = 1;
export const MAX_SECONDS = 600;
const TICK_MS = 250;

/** The problem with a timeout of `text` seconds, or "". */
export function timeoutError(text) {
  const value = String(text ?? "").trim();
  if (!/^\d+$/.test(value)) return `Enter a whole number of seconds, ${MIN_SECONDS} to ${MAX_SECONDS}.`;
  const seconds = Number(value);
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return `The timeout is ${MIN_SECONDS} to ${MAX_SECONDS} seconds.`;
  return "";
}

/** How often auto-renew arms the switch again: a third of the timeout. */
export function renewEveryMs(timeoutMs) {
  return Math.max(200, Math.floor(timeoutMs / 3));
}

/**
 * When the switch fires as the page can best tell, in its own clock: the server's
 * `fires_at`, but never later than the moment the request left plus the timeout (a clock
 * that runs behind the server's must not show more time than there is).
 */
export function deadline(firesAt, sentAt, timeoutMs) {
  const server = Date.parse(firesAt);
  const local = sentAt + timeoutMs;
  return Number.isNaN(server) ? local : Math.min(server, local);
}

export class DeadMansSwitch {
  constructor(root, { storageKey, onFired = () => {}, now = () => Date.now() }) {
    this.root = root;
    this.storageKey = storageKey;
    this.onFired = onFired;
    this.now = now;
    this.state = { active: false, firesAt: null, deadline: null, timeoutMs: null, auto: false, fired: null };
    this.renewTimer = null;
    this.sending = false;
    $("[data-dms-arm]", root).addEventListener("click", () => this.arm());
    $("[data-dms-renew]", root).addEventListener("click", () => this.renew());
    $("[data-dms-off]", root).addEventListener("click", () => this.disarm());
    $("[data-dms-form]", root).addEventListener("submit", (event) => {
      event.preventDefault();
      this.state.active ? this.renew() : this.arm();
    });
    this.autoBox.addEventListener("change", () => {
      this.state.auto = this.autoBox.checked;
      this.save();
      this.schedule();
      this.draw();
    });
    this.secondsInput.addEventListener("input", () => this.showError(""));
    this.restore();
    this.sync();
    setInterval(() => this.tick(), TICK_MS);
    this.draw();
  }

  get secondsInput() {
    return $("[data-dms-seconds]", this.root);
  }

  get autoBox() {
    return $("[data-dms-auto]", this.root);
  }

  /** The switch as the page last left it, if it has not fired since. */
  restore() {
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(this.storageKey) ?? "null");
    } catch {
      saved = null;
    }
    if (!saved) return;
    if (saved.timeoutMs) this.secondsInput.value = String(Math.round(saved.timeoutMs / 1000));
    this.autoBox.checked = Boolean(saved.auto);
    this.state.auto = Boolean(saved.auto);
    if (saved.active && saved.deadline > this.now()) {
      Object.assign(this.state, { active: true, firesAt: saved.firesAt, deadline: saved.deadline, timeoutMs: saved.timeoutMs });
      this.restored = true;
      // auto-renew was on when the page closed: the page is open again, so it renews again
      if (this.state.auto) this.renew();
    }
  }

  /** The switch as the server keeps it; the page's own memory gives way to it. */
  async sync() {
    let answer;
    try {
      answer = await get("/orders/cancel-after");
    } catch {
      return; // the saved state stands until the next answer
    }
    if (this.sending) return; // an arm or disarm in flight answers for itself
    if (answer.active) {
      const due = Date.parse(answer.fires_at);
      Object.assign(this.state, { active: true, firesAt: answer.fires_at, deadline: Number.isNaN(due) ? null : due });
    } else if (this.state.active) {
      Object.assign(this.state, { active: false, firesAt: null, deadline: null });
      this.restored = false;
    }
    this.save();
    this.schedule();
    this.draw();
  }

  save() {
    const { active, firesAt, deadline: due, timeoutMs, auto } = this.state;
    try {
      localStorage.setItem(this.storageKey, JSON.stringify({ active, firesAt, deadline: due, timeoutMs, auto }));
    } catch {
      // private mode: no memory across reloads
    }
  }

  showError(message) {
    const slot = $("[data-dms-error]", this.root);
    slot.textContent = message;
    slot.hidden = !message;
  }

  arm() {
    const error = timeoutError(this.secondsInput.value);
    if (error) {
      this.showError(error);
      return Promise.resolve();
    }
    return this.send(Number(this.secondsInput.value.trim()) * 1000);
  }

  renew() {
    return this.state.timeoutMs ? this.send(this.state.timeoutMs) : this.arm();
  }

  disarm() {
    return this.send(0);
  }

  async send(timeoutMs) {
    if (this.sending) return;
    this.sending = true;
    this.draw();
    const sentAt = this.now();
    try {
      const answer = await post("/orders/cancel-after", { timeout_ms: timeoutMs });
      this.restored = false;
      this.showError("");
      if (answer.active) {
        Object.assign(this.state, {
          active: true,
          firesAt: answer.fires_at,
          deadline: deadline(answer.fires_at, sentAt, timeoutMs),
          timeoutMs,
          fired: null,
        });
      } else {
        Object.assign(this.state, { active: false, firesAt: null, deadline: null, fired: null });
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const still = this.state.active ? ` The switch still fires at ${clock(this.state.deadline)} unless renewed.` : "";
      this.showError(`${error.message}${still}`);
    } finally {
      this.sending = false;
      this.save();
      this.schedule();
      this.draw();
    }
  }

  /** Auto-renew: the next renewal a third of the timeout from now, while armed. */
  schedule() {
    clearTimeout(this.renewTimer);
    this.renewTimer = null;
    if (this.state.active && this.state.auto && this.state.timeoutMs) {
      this.renewTimer = setTimeout(() => this.renew(), renewEveryMs(this.state.timeoutMs));
    }
  }

  /** The exchange cancelled the user's orders by the switch (an order message's reason). */
  noteFired() {
    if (!this.state.active && this.state.fired) return;
    Object.assign(this.state, { active: false, firesAt: null, deadline: null, fired: this.now() });
    clearTimeout(this.renewTimer);
    this.save();
    this.draw();
  }

  tick() {
    if (this.state.active && this.state.deadline !== null && this.now() >= this.state.deadline) {
      // the exchange fires it at its next tick (within a second): the orders go then
      Object.assign(this.state, { active: false, fired: this.state.deadline, firesAt: null, deadline: null });
      clearTimeout(this.renewTimer);
      this.save();
      this.draw();
      this.onFired();
      return;
    }
    this.drawCountdown();
  }

  drawCountdown() {
    const node = $("[data-dms-countdown]", this.root);
    if (!this.state.active) {
      node.textContent = "";
      return;
    }
    node.textContent = countdown(this.state.deadline - this.now());
  }

  draw() {
    const { active, auto, fired } = this.state;
    this.root.dataset.state = active ? "armed" : "off";
    $("[data-dms-state]", this.root).textContent = active ? "Armed" : "Off";
    $("[data-dms-fires]", this.root).hidden = !active;
    $("[data-dms-fires-at]", this.root).textContent = active ? clock(this.state.deadline) : "";
    $("[data-dms-arm]", this.root).hidden = active;
    $("[data-dms-renew]", this.root).hidden = !active;
    $("[data-dms-off]", this.root).hidden = !active;
    for (const button of [$("[data-dms-arm]", this.root), $("[data-dms-renew]", this.root), $("[data-dms-off]", this.root)]) {
      button.disabled = this.sending;
    }
    const note = $("[data-dms-note]", this.root);
    if (active && auto) {
      note.textContent = `Renewed every ${countdown(renewEveryMs(this.state.timeoutMs))} while this page is open. If the page closes, sleeps or loses its connection, it fires and cancels all your open orders in every market.`;
    } else if (active) {
      note.textContent = `${this.restored ? "Armed from this browser before the page was reloaded. " : ""}Unless you press Keep alive in time, all your open orders in every market (stops included) are cancelled when it fires, whether or not this page is open.`;
    } else if (fired) {
      note.textContent = `Fired at ${clock(fired)}: the exchange cancelled your open orders. Arm it again to protect new ones.`;
    } else {
      note.textContent = "Cancels all your open orders in every market (stops included) if it is not renewed in time: a safety net for when you or your connection drop.";
    }
    this.drawCountdown();
  }
}
