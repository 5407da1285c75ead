// The status bar and the running tab's progress line: requests, pages, rows and time, live
// while a query runs (as the CLI's progress line), then the finished job's figures.
import { fmtNumber, fmtSeconds } from "./dom.js";

export const count = (n, noun) => `${fmtNumber(n)} ${noun}${n === 1 ? "" : "s"}`;

export function progressText(s) {
  const x = s.run?.live?.stats || {};
  const parts = [s.run?.live?.queued ? "Waiting for a free slot…" : "Running…", fmtSeconds((performance.now() - s.run.started) / 1000)];
  if (x.requests !== undefined) parts.push(count(x.requests, "API request"));
  if (x.pages !== undefined) parts.push(count(x.pages, "page"));
  if (x.rows !== undefined) parts.push(`${count(x.rows, "row")} fetched`);
  return parts.join(" · ");
}

// st: the status bar's elements; s: the tab's slot (its run, job and timings)
export function updateStatus(st, s) {
  const set = (el, text) => (el.textContent = text);
  const statsOut = (stats, rows) => {
    set(st.rows, rows);
    set(st.pages, stats.pages !== undefined ? count(stats.pages, "page") : "");
    set(st.requests, stats.requests !== undefined ? count(stats.requests, "API request") : "");
  };
  if (s.run) {
    const live = s.run.live || {};
    const stats = live.stats || {};
    st.dot.className = "dot running";
    set(st.status, live.queued ? "Queued…" : "Running…");
    set(st.elapsed, fmtSeconds((performance.now() - s.run.started) / 1000));
    statsOut(stats, stats.rows !== undefined ? `${count(stats.rows, "row")} fetched` : "");
    return;
  }
  const job = s.job;
  if (!job) {
    st.dot.className = "dot idle";
    set(st.status, "Ready");
    for (const k of ["elapsed", "rows", "pages", "requests"]) set(st[k], "");
    return;
  }
  st.dot.className = `dot ${job.state}`;
  set(st.status, { done: "Done", error: "Error", cancelled: "Cancelled" }[job.state] || job.state);
  set(st.elapsed, fmtSeconds(s.elapsed ?? job.elapsed));
  statsOut(job.stats || {}, job.rows !== undefined ? count(job.rows, "row") : "");
}
