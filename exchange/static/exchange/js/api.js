// The REST API (API.md) with the browser's session: the CSRF token on unsafe requests,
// the error envelope turned into ApiError, a 429 retried after Retry-After.

const BASE = "/api/v1";
const MAX_RETRIES = 3;

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.field = error.field || null;
    this.details = error;
  }
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const cookie = document.cookie.split("; ").find((row) => row.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The parsed JSON answer of `method path`, or throws ApiError. */
export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!["GET", "HEAD"].includes(method)) headers["X-CSRFToken"] = csrfToken();
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch(BASE + path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, { code: "network_error", message: "The exchange cannot be reached." });
    }
    if (response.status === 429 && attempt < MAX_RETRIES) {
      const seconds = Number(response.headers.get("Retry-After")) || 1;
      await sleep(Math.min(seconds, 5) * 1000);
      continue;
    }
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    throw new ApiError(response.status, (data && data.error) || { message: response.statusText });
  }
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);
export const del = (path) => request("DELETE", path);
export const patch = (path, body) => request("PATCH", path, body);

/** Every row of a cursor-paginated list, following `next` (at most `maxPages` pages). */
export async function allPages(path, maxPages = 50) {
  const rows = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const joiner = path.includes("?") ? "&" : "?";
    const url = cursor ? `${path}${joiner}cursor=${encodeURIComponent(cursor)}` : path;
    const data = await get(url);
    rows.push(...data.results);
    cursor = data.next;
    if (!cursor) break;
  }
  return rows;
}

/** A query string of the given parameters, the empty ones left out. */
export function query(params) {
  const pairs = Object.entries(params).filter(([, value]) => value !== null && value !== "");
  const search = new URLSearchParams(pairs).toString();
  return search ? `?${search}` : "";
}
