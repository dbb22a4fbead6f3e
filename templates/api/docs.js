"use strict";
// The request signer of the docs page (exchange/api/docs.py): wraps SwaggerUIBundle so
// each request to the API is signed with the key and secret this tab keeps.

const signerStore = window.sessionStorage;
const SIGNER_KEY = "exchange.docs.key";
const SIGNER_SECRET = "exchange.docs.secret";

function signerCredentials() {
  return { key: signerStore.getItem(SIGNER_KEY) || "", secret: signerStore.getItem(SIGNER_SECRET) || "" };
}

function signerShow() {
  const { key, secret } = signerCredentials();
  const state = document.getElementById("signer-state");
  if (!window.crypto || !window.crypto.subtle) {
    state.textContent = "This browser cannot sign here: signing needs HTTPS (or localhost).";
  } else if (key && secret) {
    state.textContent = `Signing requests with key ${key}.`;
  } else {
    state.textContent = "Not signing: public endpoints only.";
  }
}

async function signerHex(secret, text) {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(text));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The request with the three signing headers, when the tab has credentials and the request
 * goes to this site's API (not the schema the page loads itself). */
async function signerSign(request) {
  const { key, secret } = signerCredentials();
  if (!key || !secret || request.loadSpec || !window.crypto || !window.crypto.subtle) return request;
  const url = new URL(request.url, document.baseURI);
  if (url.origin !== window.location.origin || !url.pathname.startsWith("/api/")) return request;
  const timestamp = String(Date.now());
  const body = typeof request.body === "string" ? request.body : "";
  const method = (request.method || "GET").toUpperCase();
  request.headers["X-API-KEY"] = key;
  request.headers["X-API-TIMESTAMP"] = timestamp;
  request.headers["X-API-SIGNATURE"] = await signerHex(secret, timestamp + method + url.pathname + url.search + body);
  return request;
}

document.getElementById("signer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signerStore.setItem(SIGNER_KEY, document.getElementById("signer-key").value.trim());
  signerStore.setItem(SIGNER_SECRET, document.getElementById("signer-secret").value.trim());
  document.getElementById("signer-secret").value = "";
  signerShow();
});
document.getElementById("signer-forget").addEventListener("click", () => {
  signerStore.removeItem(SIGNER_KEY);
  signerStore.removeItem(SIGNER_SECRET);
  signerShow();
});
document.getElementById("signer-key").value = signerCredentials().key;
signerShow();

const SwaggerUIBundleUnsigned = SwaggerUIBundle;
window.SwaggerUIBundle = Object.assign(
  (config) => SwaggerUIBundleUnsigned({
    ...config,
    requestInterceptor: async (request) => signerSign((await config.requestInterceptor(request)) || request),
  }),
  SwaggerUIBundleUnsigned,
);

{% include "drf_spectacular/swagger_ui.js" %}
