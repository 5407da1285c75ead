// The JSON API client: problem documents become ApiError with the server's message.
let csrf = null;
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = problem;
    this.status = status;
    this.field = problem.field || null;
  }
}

export function setCsrf(token) {
  csrf = token;
}

export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export async function api(method, path, body, { raw = false, signal, keepalive = false } = {}) {
  const headers = { Accept: raw ? "*/*" : "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
    keepalive,
  });
  if (!res.ok) {
    let problem;
    try {
      problem = await res.json();
    } catch {
      problem = { title: res.statusText, detail: `The server answered ${res.status}.` };
    }
    if (res.status === 401 && path !== "/api/login") onUnauthorized();
    throw new ApiError(problem, res.status);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

// POST a FormData (file uploads); errors as in api().
export async function upload(path, form) {
  const headers = { Accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, { method: "POST", headers, body: form, credentials: "same-origin" });
  const data = await res.json().catch(() => ({ title: res.statusText, detail: `The server answered ${res.status}.` }));
  if (!res.ok) {
    if (res.status === 401) onUnauthorized();
    throw new ApiError(data, res.status);
  }
  return data;
}
