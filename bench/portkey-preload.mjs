// Loaded into the Portkey gateway's process by the bench (node --import). Portkey 1.15 with
// @hono/node-server 1.19 fails every streamed request: hono's Response, built on a fetched response,
// keeps that response's headers, which fetch made immutable, and Portkey then appends its own
// (TypeError: immutable). Here each fetched response is handed over with a mutable copy of its
// headers; the body stream is the same. This costs Portkey one Headers copy per request.
const originalFetch = globalThis.fetch;
const NativeResponse = globalThis.Response;
globalThis.fetch = async (...args) => {
  const response = await originalFetch(...args);
  return new NativeResponse(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
};
