/* Waymark's web page for content owners and team leads. Plain JavaScript, no framework.
 *
 * Every piece of data from the API reaches the page through textContent or setAttribute,
 * never innerHTML, and no element gets an inline style: the Content-Security-Policy forbids
 * both, and it keeps documents' text from ever running as code. */
"use strict";

const TOKEN_KEY = "waymark.token";
const ROLE_RANK = { practitioner: 0, lead: 1, owner: 2 };
const REPORT_GROUPS = ["added", "changed", "unchanged", "removed", "drafted"];
const META_FIELDS = ["id", "kind", "title", "owner", "version", "effective", "review_by",
  "source_url", "extra"];
const HEAT_STEPS = 5;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  role: null,
  sources: [],
};

/* ------------------------------------------------------------------ small helpers */

function $(selector) {
  return document.querySelector(selector);
}

/** An element with properties and children; strings become text nodes (never markup). */
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function badge(text, kind) {
  return el("span", { className: `badge badge-${kind}`, text });
}

/** A stored UTC timestamp in the reader's own time zone, e.g. "23 Nov 2026, 16:25:11". */
function formatTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

function percent(value) {
  return `${Math.round(Number(value) * 1000) / 10}%`;
}

/** Only http(s) links are shown as links: a javascript: URL in a document must not run. */
function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

/* ------------------------------------------------------------------ talking to the API */

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function describeDetail(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      const where = (item.loc || []).filter((part) => part !== "body").join(".");
      return where ? `${where}: ${item.msg}` : item.msg;
    }).join("; ");
  }
  return detail ? JSON.stringify(detail) : "";
}

async function readBody(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("application/json")) return response.json();
  return response.text();
}

/** Calls the API with the bearer token; throws ApiError carrying the API's `detail`. */
async function api(path, { method = "GET", json, form } = {}) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body });
  } catch (error) {
    throw new ApiError(0, `Waymark cannot be reached (${error.message}). Try again.`);
  }
  const data = await readBody(response);
  if (!response.ok) {
    const detail = describeDetail(data && data.detail) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail);
  }
  return data;
}

/** Disables the button while `work` runs, so a slow request is not sent twice. */
async function whileBusy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function showError(container, error) {
  container.replaceChildren(el("p", { className: "error", role: "alert", text: error.message }));
}

function showMessage(text) {
  const box = $("#message");
  box.textContent = text;
  box.hidden = !text;
}

/* ------------------------------------------------------------------ signing in */

async function refreshIdentity() {
  try {
    const me = await api("/me");
    showSignedIn(me);
  } catch (error) {
    if (error.status === 401) {
      const rejected = Boolean(state.token);
      forgetToken();
      showSignIn(rejected ? "That token was not recognised: check it and sign in again." : "");
    } else {
      showSignIn(error.message);
    }
  }
}

function forgetToken() {
  state.token = "";
  sessionStorage.removeItem(TOKEN_KEY);
}

function showSignIn(problem) {
  state.role = null;
  applyRole(null);
  $("#identity").hidden = true;
  $("#signin").hidden = false;
  showMessage(problem);
  $("#token").focus();
}

function showSignedIn(me) {
  state.role = me.role;
  showMessage("");
  $("#signin").hidden = true;
  $("#who-label").textContent = state.token ? "Signed in as" : "No tokens configured: working as";
  $("#who-name").textContent = me.name;
  const role = $("#who-role");
  role.textContent = me.role;
  role.className = `badge badge-role-${me.role}`;
  $("#sign-out").hidden = !state.token;
  $("#identity").hidden = false;
  applyRole(me.role);
  loadRoleData();
}

function can(role) {
  return state.role !== null && ROLE_RANK[state.role] >= ROLE_RANK[role];
}

/** Shows exactly the sections (and nav links) the role may use. */
function applyRole(role) {
  for (const node of document.querySelectorAll("[data-min-role]")) {
    node.hidden = role === null || !can(node.dataset.minRole);
  }
  $("#section-nav").hidden = role === null;
}

function loadRoleData() {
  if (can("owner")) {
    loadSources();
    loadHistory();
  }
}

async function onSignIn(event) {
  event.preventDefault();
  const token = $("#token").value.trim();
  if (!token) return;
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#token").value = "";
  await whileBusy($("#signin-submit"), refreshIdentity);
}

function onSignOut() {
  forgetToken();
  state.sources = [];
  $("#family-read").hidden = true;
  for (const id of ["#answer", "#family-result", "#sources-status", "#upload-result", "#audit-result",
    "#history-status"]) {
    $(id).replaceChildren();
  }
  for (const id of ["#ask-form", "#family-form", "#facts-form", "#upload-form", "#audit-form"]) $(id).reset();
  $("#sources-table tbody").replaceChildren();
  $("#trail-table tbody").replaceChildren();
  $("#ingests-table tbody").replaceChildren();
  showSignIn("");
}

/* ------------------------------------------------------------------ one family */

/** Reads the description, shows what was read in one line, and fills the facts form so a
 * wrong fact is corrected in one step (edit it, check again with the structured facts). */
async function onFamily(event) {
  event.preventDefault();
  const text = $("#family-text").value.trim();
  if (!text) return;
  await whileBusy($("#family-submit"), () => checkFamily({ text }));
}

async function onFacts(event) {
  event.preventDefault();
  let family;
  try {
    family = factsFromForm();
  } catch (error) {
    showError($("#family-result"), error);
    return;
  }
  await whileBusy($("#facts-submit"), () => checkFamily({ family }));
}

async function checkFamily(body) {
  const box = $("#family-result");
  try {
    const threshold = await api("/threshold", { method: "POST", json: body });
    const signpost = await api("/signpost", { method: "POST", json: { ...body, limit: 5 } });
    showRead(threshold.family);
    renderFamily(threshold, signpost);
  } catch (error) {
    showError(box, error);
  }
}

function ages(people) {
  return (people || []).map((p) => (p.age_years === undefined || p.age_years === null ? "?" : String(p.age_years))).join(", ");
}

function showRead(family) {
  $("#family-summary").textContent = family.summary || "";
  $("#facts-children").value = ages(family.children);
  $("#facts-parents").value = ages(family.parents);
  $("#facts-postcode").value = family.postcode || "";
  $("#facts-pregnant").value = family.pregnant === true ? "yes" : family.pregnant === false ? "no" : "";
  $("#facts-consent").value = family.consent === true ? "yes" : family.consent === false ? "no" : "";
  $("#facts-needs").value = [...(family.needs || []), ...(family.circumstances || [])].join(", ");
  $("#family-read").hidden = false;
}

function parseAges(value, what) {
  const parts = value.split(",").map((v) => v.trim()).filter(Boolean);
  return parts.map((part) => {
    if (part === "?") return {};
    const age = Number(part);
    if (!Number.isFinite(age) || age < 0) throw new Error(`${what}: "${part}" is not an age in years (use ? when it is not known)`);
    return { age_years: age };
  });
}

function factsFromForm() {
  const family = {};
  const children = parseAges($("#facts-children").value, "Children's ages");
  const parents = parseAges($("#facts-parents").value, "Parents' ages");
  if (children.length) family.children = children;
  if (parents.length) family.parents = parents;
  const postcode = $("#facts-postcode").value.trim();
  if (postcode) family.postcode = postcode;
  for (const key of ["pregnant", "consent"]) {
    const value = $(`#facts-${key}`).value;
    if (value) family[key] = value === "yes";
  }
  family.needs = $("#facts-needs").value.split(",").map((v) => v.trim()).filter(Boolean);
  return family;
}

function renderFamily(threshold, signpost) {
  const parts = [];
  if (threshold.escalation) parts.push(escalationBox(threshold.escalation));
  parts.push(el("h3", { id: "family-level", text: `Suggested level ${threshold.level}${threshold.level_name ? ` (${threshold.level_name})` : ""}` }));
  const indicators = (threshold.indicators || []).map((m) => el("li", { text: `${m.need} (level ${m.level})` }));
  if (indicators.length) parts.push(el("ul", {}, indicators));
  const services = (signpost.services || []).map((s) => el("li", { dataset: { serviceId: s.service_id } }, [
    el("strong", { text: s.title }), ` — ${s.verdict.replaceAll("_", " ")}`]));
  parts.push(el("h3", { text: "Services that could fit" }));
  parts.push(services.length ? el("ul", { id: "family-services" }, services)
    : el("p", { className: "muted", text: "No service fits yet." }));
  if (threshold.advisory) parts.push(el("p", { className: "advisory", text: threshold.advisory }));
  $("#family-result").replaceChildren(...parts);
}

/* ------------------------------------------------------------------ ask */

async function onAsk(event) {
  event.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  const box = $("#answer");
  await whileBusy($("#ask-submit"), async () => {
    try {
      renderAnswer(await api("/ask", { method: "POST", json: { question } }));
    } catch (error) {
      showError(box, error);
    }
  });
}

function renderAnswer(result) {
  const parts = [];
  if (result.escalation) parts.push(escalationBox(result.escalation));
  parts.push(result.refused ? refusalBox(result) : answerBox(result));
  if (result.advisory) parts.push(el("p", { className: "advisory", id: "answer-advisory", text: result.advisory }));
  const box = $("#answer");
  box.replaceChildren(...parts);
  box.dataset.answerId = result.answer_id || String(Date.now());
}

function escalationBox(escalation) {
  const actions = (escalation.actions || []).map((action) => el("li", { text: action }));
  return el("div", { className: "escalation", id: "escalation", role: "alert" }, [
    el("h3", { text: "Immediate risk: act now" }),
    el("p", { text: escalation.message }),
    actions.length ? el("ul", {}, actions) : null,
    escalation.citation ? citationBlock(escalation.citation, "div") : null,
  ]);
}

function refusalBox(result) {
  const closest = (result.closest || []).map((doc) =>
    el("li", { dataset: { docId: doc.doc_id } }, [el("strong", { text: doc.title }), ` (${doc.doc_id})`]));
  return el("div", { className: "refusal", id: "refusal" }, [
    el("h3", { text: "The guidance does not answer this" }),
    el("p", { id: "answer-text", text: result.answer }),
    closest.length ? el("h4", { text: "Closest documents" }) : null,
    closest.length ? el("ul", { id: "closest" }, closest) : null,
  ]);
}

function answerBox(result) {
  const citations = result.citations || [];
  return el("div", { className: "answer-body" }, [
    el("p", { id: "answer-text", className: "answer-text", text: result.answer }),
    citations.length ? el("h3", { text: "Sources cited" }) : null,
    el("ol", { id: "citations", className: "citations" },
      citations.map((citation) => citationBlock(citation, "li"))),
  ]);
}

/** One numbered citation: the verbatim quote, then where it comes from. */
function citationBlock(citation, tag) {
  const where = [
    citation.version ? `version ${citation.version}` : null,
    citation.effective ? `effective ${citation.effective}` : null,
    citation.section ? `section: ${citation.section}` : null,
    citation.page ? `page ${citation.page}` : null,
  ].filter(Boolean).join(" · ");
  const url = safeUrl(citation.url);
  return el(tag, {
    className: "citation", id: tag === "li" ? `citation-${citation.n}` : null,
    value: tag === "li" ? citation.n : null, dataset: { docId: citation.doc_id },
  }, [
    el("blockquote", { className: "quote", text: citation.quote }),
    el("p", { className: "cite-meta" }, [
      el("span", { className: "cite-n", text: `[${citation.n}]` }), " ",
      el("strong", { text: citation.title }), ` (${citation.doc_id})`,
      where ? ` — ${where}` : "",
      citation.stale ? " " : "", citation.stale ? badge("stale", "stale") : null,
      url ? " " : "", url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: "open source" }) : null,
    ]),
  ]);
}

/* ------------------------------------------------------------------ sources */

async function loadSources() {
  const status = $("#sources-status");
  try {
    state.sources = await api("/sources");
    fillFilter($("#filter-kind"), state.sources.map((doc) => doc.kind), "All kinds");
    fillFilter($("#filter-owner"), state.sources.map((doc) => doc.owner), "All owners");
    renderSources();
  } catch (error) {
    showError(status, error);
  }
}

/** Refills a filter's options from the data, keeping the current choice when it still exists. */
function fillFilter(select, values, allLabel) {
  const current = select.value;
  const options = [...new Set(values.filter(Boolean))].sort();
  select.replaceChildren(el("option", { value: "", text: allLabel }),
    ...options.map((value) => el("option", { value, text: value })));
  select.value = options.includes(current) ? current : "";
}

function visibleSources() {
  const kind = $("#filter-kind").value;
  const owner = $("#filter-owner").value;
  const staleOnly = $("#filter-stale").checked;
  return state.sources.filter((doc) =>
    (!kind || doc.kind === kind) && (!owner || doc.owner === owner) && (!staleOnly || doc.stale));
}

function renderSources() {
  const rows = visibleSources();
  $("#sources-table tbody").replaceChildren(...rows.map(sourceRow));
  $("#sources-count").textContent =
    `Showing ${rows.length} of ${state.sources.length} documents.`;
}

function sourceRow(doc) {
  const withdraw = el("button", {
    type: "button", className: "danger small", id: `withdraw-${doc.doc_id}`,
    dataset: { test: "withdraw", docId: doc.doc_id }, "aria-label": `Withdraw ${doc.title}`,
    text: "Withdraw",
  });
  withdraw.addEventListener("click", () => onWithdraw(doc, withdraw));
  const actions = [withdraw];
  if (doc.metadata === "draft") {
    const review = el("button", {
      type: "button", className: "secondary small", id: `review-${doc.doc_id}`,
      "aria-label": `Review the proposed metadata of ${doc.title}`, text: "Review",
    });
    review.addEventListener("click", () => openDraft(doc));
    actions.unshift(review);
  }
  const status = doc.metadata === "draft" ? badge("draft: metadata not confirmed", "stale")
    : doc.stale ? badge("stale", "stale") : badge("current", "ok");
  return el("tr", { dataset: { docId: doc.doc_id, metadata: doc.metadata } }, [
    el("td", { className: "nowrap" }, el("code", { text: doc.doc_id })),
    el("td", { text: doc.title }),
    el("td", { text: doc.kind }),
    el("td", { text: doc.owner }),
    el("td", { text: doc.version }),
    el("td", { className: "nowrap", text: doc.review_by }),
    el("td", { className: "nowrap" }, status),
    el("td", { className: "num", text: doc.chunks }),
    el("td", { className: "nowrap" }, actions),
  ]);
}

/* ------------------------------------------------------------------ drafts */

/** A field's value as the owner edits it: lists comma-separated, ranges as YAML. */
function fieldText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${v}`).join(", ")}}`;
  }
  return String(value);
}

function draftRows(review) {
  const rows = [];
  const add = (name, value) => rows.push([name, fieldText(value), review.proposed_from[name] || ""]);
  for (const [name, value] of Object.entries(review.fields)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) add(`${name}.${key}`, inner);
    } else if (name !== "id") {
      add(name, value);
    }
  }
  for (const name of ["owner", "review_by"]) {
    if (!(name in review.fields)) add(name, "");
  }
  return rows;
}

async function openDraft(doc) {
  const form = $("#draft-review");
  const status = $("#draft-status");
  status.replaceChildren();
  try {
    const review = await api(`/sources/${encodeURIComponent(doc.doc_id)}/metadata`);
    form.dataset.docId = doc.doc_id;
    $("#draft-title").textContent = `Review the draft: ${doc.title} (${doc.doc_id})`;
    $("#draft-fields tbody").replaceChildren(...draftRows(review).map(([name, value, source]) => {
      const id = `draft-field-${name.replaceAll(".", "-")}`;
      return el("tr", { dataset: { field: name } }, [
        el("th", { scope: "row" }, el("label", { for: id, text: name })),
        el("td", {}, el("input", { id, name, value, type: "text" })),
        el("td", { className: "muted", text: source }),
      ]);
    }));
    form.hidden = false;
    form.scrollIntoView({ block: "start" });
  } catch (error) {
    showError($("#sources-status"), error);
  }
}

async function onConfirmDraft(event) {
  event.preventDefault();
  const form = $("#draft-review");
  const docId = form.dataset.docId;
  const fields = {};
  for (const input of form.querySelectorAll("#draft-fields input")) fields[input.name] = input.value;
  await whileBusy($("#draft-confirm"), async () => {
    try {
      const report = await api(`/sources/${encodeURIComponent(docId)}/metadata/confirm`,
        { method: "POST", json: { fields } });
      renderReport($("#draft-status"), report, `Confirmed: ${docId}`);
    } catch (error) {
      showError($("#draft-status"), error);
    }
  });
  await Promise.all([loadSources(), loadHistory()]);
}

/* ------------------------------------------------------------------ withdraw */

/** Asks in a page dialog (not window.confirm); resolves true when the user confirms. */
function confirmWithdraw(doc) {
  const dialog = $("#confirm-dialog");
  $("#confirm-text").textContent = `“${doc.title}” (${doc.doc_id}, version ${doc.version}) ` +
    "will be removed from the knowledge base and no longer cited in answers.";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"),
      { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    $("#confirm-cancel").focus();
  });
}

async function onWithdraw(doc, button) {
  if (!(await confirmWithdraw(doc))) return;
  const status = $("#sources-status");
  await whileBusy(button, async () => {
    try {
      const report = await api(`/sources/${encodeURIComponent(doc.doc_id)}`, { method: "DELETE" });
      renderReport(status, report, `Withdrawn: ${doc.title}`);
    } catch (error) {
      showError(status, error);
    }
  });
  await Promise.all([loadSources(), loadHistory()]);
}

/* ------------------------------------------------------------------ upload */

function uploadForm(form) {
  const data = new FormData();
  data.append("file", form.elements.file.files[0]);
  const sidecar = form.elements.sidecar.files[0];
  if (sidecar) data.append("sidecar", sidecar);
  for (const name of META_FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) data.append(name, value);
  }
  return data;
}

async function onUpload(event) {
  event.preventDefault();
  const form = event.target;
  const result = $("#upload-result");
  if (!form.elements.file.files.length) return;
  await whileBusy($("#upload-submit"), async () => {
    try {
      const report = await api("/sources", { method: "POST", form: uploadForm(form) });
      renderReport(result, report, report.doc_id ? `Uploaded ${report.doc_id}` : "Upload finished");
      if (!(report.failed || []).length) form.reset();
    } catch (error) {
      showError(result, error);
    }
  });
  await Promise.all([loadSources(), loadHistory()]);
}

/** One kind of outcome with its document ids; the (often long) unchanged list starts folded. */
function reportGroup(key, ids) {
  const heading = `${key[0].toUpperCase()}${key.slice(1)} (${ids.length})`;
  const list = el("ul", {}, ids.map((id) => el("li", {}, el("code", { text: id }))));
  const props = { className: `report-group report-${key}`, dataset: { test: `report-${key}` } };
  if (key === "unchanged") {
    return el("details", props, [el("summary", { text: heading }), list]);
  }
  return el("div", props, [el("h4", { text: heading }), list]);
}

/** What an ingest did: added / changed / unchanged / removed ids, and failures with reasons. */
function renderReport(container, report, title) {
  const failed = report.failed || [];
  const groups = REPORT_GROUPS.filter((key) => (report[key] || []).length)
    .map((key) => reportGroup(key, report[key]));
  if (failed.length) {
    groups.push(el("div", { className: "report-group report-failed", dataset: { test: "report-failed" }, role: "alert" }, [
      el("h4", { text: `Failed (${failed.length})` }),
      el("ul", {}, failed.map((item) =>
        el("li", {}, [el("code", { text: item.path }), el("span", { className: "error-text", text: ` ${item.error}` })]))),
    ]));
  }
  const totals = `The knowledge base now holds ${report.documents} documents in ${report.chunks} chunks.`;
  container.replaceChildren(
    el("h3", { text: title }),
    groups.length ? el("div", { className: "report-groups" }, groups) : el("p", { text: "Nothing changed." }),
    el("p", { className: "muted", text: totals }),
  );
}

/* ------------------------------------------------------------------ threshold audit */

async function onAudit(event) {
  event.preventDefault();
  const file = $("#audit-file").files[0];
  if (!file) return;
  const data = new FormData();
  data.append("file", file);
  const result = $("#audit-result");
  await whileBusy($("#audit-submit"), async () => {
    try {
      renderAudit(await api("/threshold/audit", { method: "POST", form: data }));
    } catch (error) {
      showError(result, error);
    }
  });
}

function kappaWords(kappa) {
  if (kappa < 0) return "less than chance";
  const bands = [[0.2, "slight"], [0.4, "fair"], [0.6, "moderate"], [0.8, "substantial"]];
  const band = bands.find(([limit]) => kappa <= limit);
  return `${band ? band[1] : "almost perfect"} agreement beyond chance`;
}

function stat(label, value, id, note) {
  return el("div", { className: "stat" }, [
    el("span", { className: "stat-label", text: label }),
    el("span", { className: "stat-value", id, text: value }),
    note ? el("span", { className: "stat-note", text: note }) : null,
  ]);
}

function renderAudit(report) {
  const disagreements = report.cases.filter((item) => !item.agrees);
  $("#audit-result").replaceChildren(
    el("div", { className: "stats" }, [
      stat("Agreement", percent(report.agreement), "audit-agreement"),
      stat("Cohen's kappa", Number(report.kappa).toFixed(2), "audit-kappa", kappaWords(report.kappa)),
      stat("Cases", String(report.cases.length), "audit-cases"),
    ]),
    el("h3", { text: "Applied against suggested levels" }),
    confusionChart(report.confusion),
    el("h3", { text: `Disagreements (${disagreements.length})` }),
    disagreements.length
      ? el("div", { id: "audit-disagreements" }, disagreements.map(disagreementBlock))
      : el("p", { id: "audit-disagreements", text: "Every applied level matches the suggested one." }),
    report.advisory ? el("p", { className: "advisory", text: report.advisory }) : null,
  );
}

/** 0 for an empty cell, else 1..HEAT_STEPS by the share of the fullest cell. */
function heatLevel(count, max) {
  if (!count || !max) return 0;
  return Math.max(1, Math.ceil((count / max) * HEAT_STEPS));
}

/** The confusion matrix as a table whose cells are shaded by count (CSS classes heat-0..5). */
function confusionTable(confusion) {
  const levels = confusion.levels || [];
  const matrix = confusion.matrix || [];
  const max = Math.max(0, ...matrix.flat());
  const head = el("tr", {}, [
    el("th", { scope: "col", className: "corner", text: "Applied ↓ · Suggested →" }),
    ...levels.map((level) => el("th", { scope: "col", text: `Level ${level}` })),
  ]);
  const rows = levels.map((applied, i) => el("tr", {}, [
    el("th", { scope: "row", text: `Level ${applied}` }),
    ...levels.map((suggested, j) => {
      const count = (matrix[i] || [])[j] || 0;
      const classes = [`heat heat-${heatLevel(count, max)}`, i === j ? "diagonal" : ""].join(" ").trim();
      return el("td", {
        className: classes, dataset: { applied, suggested, count },
        title: `${count} case(s) applied at level ${applied}, suggested level ${suggested}`,
        text: count,
      });
    }),
  ]));
  return el("table", { id: "confusion-matrix", className: "heatmap" }, [
    el("caption", { text: "Rows: level applied · columns: level suggested" }),
    el("thead", {}, head),
    el("tbody", {}, rows),
  ]);
}

function confusionChart(confusion) {
  return el("figure", { className: "chart" }, [
    confusionTable(confusion),
    el("figcaption", { className: "muted", text: "Darker cells hold more cases. Ringed cells, on the diagonal, are the cases where the applied level matches the suggested one." }),
  ]);
}

function disagreementBlock(item) {
  const suggested = item.suggested_level_name
    ? `${item.suggested_level} (${item.suggested_level_name})` : String(item.suggested_level);
  const indicators = (item.indicators || []).map(indicatorItem);
  return el("article", { className: "disagreement", dataset: { caseRef: item.case_ref } }, [
    el("h4", { text: `Case ${item.case_ref}: applied level ${item.applied_level}, suggested level ${suggested}` }),
    item.escalation ? el("p", { className: "escalation-note", role: "alert", text: item.escalation.message }) : null,
    indicators.length
      ? el("ul", { className: "indicators" }, indicators)
      : el("p", { className: "muted", text: "No threshold indicator was found in this case." }),
  ]);
}

function indicatorItem(indicator) {
  const citation = indicator.citation;
  return el("li", { className: "indicator" }, [
    el("strong", { text: indicator.need }), ` — level ${indicator.level}`,
    indicator.immediate_risk ? " " : "", indicator.immediate_risk ? badge("immediate risk", "risk") : null,
    citation ? el("blockquote", { className: "quote", text: citation.quote }) : null,
    citation ? el("p", { className: "cite-meta", text: [citation.title, citation.section].filter(Boolean).join(" · ") }) : null,
  ]);
}

/* ------------------------------------------------------------------ history */

async function loadHistory() {
  if (!can("owner")) return;
  const status = $("#history-status");
  try {
    const history = await api("/history");
    status.replaceChildren();
    renderTrail(history.trail || []);
    renderIngests(history.ingests || []);
  } catch (error) {
    showError(status, error);
  }
}

function renderTrail(trail) {
  const rows = trail.map((entry) => el("tr", { dataset: { action: entry.action, docId: entry.doc_id } }, [
    el("td", { className: "nowrap", text: formatTime(entry.at) }),
    el("td", { text: entry.actor }),
    el("td", {}, badge(entry.action, `action-${entry.action}`)),
    el("td", { className: "nowrap" }, el("code", { text: entry.doc_id })),
    el("td", { text: entry.version }),
    el("td", { text: entry.detail || (entry.generation ? `generation ${entry.generation}` : "") }),
  ]));
  $("#trail-table tbody").replaceChildren(...(rows.length ? rows : [emptyRow(6, "Nothing yet.")]));
}

function reportSummary(report) {
  let data = report;
  if (typeof data === "string") {
    try { data = JSON.parse(data); } catch { return data; }
  }
  if (!data || typeof data !== "object") return "";
  const parts = [...REPORT_GROUPS.filter((key) => key !== "unchanged"), "failed"]
    .filter((key) => (data[key] || []).length)
    .map((key) => key === "failed"
      ? `failed: ${data.failed.map((item) => item.path).join(", ")}`
      : `${key}: ${data[key].join(", ")}`);
  return parts.length ? parts.join("; ") : "no change";
}

function renderIngests(ingests) {
  const rows = ingests.map((entry) => el("tr", {}, [
    el("td", { className: "num", text: entry.generation }),
    el("td", { text: formatTime(entry.started_at) }),
    el("td", { text: formatTime(entry.finished_at) }),
    el("td", { text: entry.status }),
    el("td", { text: reportSummary(entry.report) }),
  ]));
  $("#ingests-table tbody").replaceChildren(...(rows.length ? rows : [emptyRow(5, "Nothing yet.")]));
}

function emptyRow(columns, text) {
  return el("tr", {}, el("td", { colspan: columns, className: "muted", text }));
}

/* ------------------------------------------------------------------ start */

function init() {
  $("#signin-form").addEventListener("submit", onSignIn);
  $("#sign-out").addEventListener("click", onSignOut);
  $("#ask-form").addEventListener("submit", onAsk);
  $("#family-form").addEventListener("submit", onFamily);
  $("#facts-form").addEventListener("submit", onFacts);
  $("#upload-form").addEventListener("submit", onUpload);
  $("#audit-form").addEventListener("submit", onAudit);
  $("#sources-refresh").addEventListener("click", loadSources);
  $("#draft-review").addEventListener("submit", onConfirmDraft);
  $("#draft-cancel").addEventListener("click", () => { $("#draft-review").hidden = true; });
  $("#history-refresh").addEventListener("click", loadHistory);
  for (const id of ["#filter-kind", "#filter-owner", "#filter-stale"]) {
    $(id).addEventListener("change", renderSources);
  }
  refreshIdentity();
}

init();
