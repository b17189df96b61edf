// gspnpd device manager: plain JavaScript against the REST API (/api/openapi.json).
"use strict";
let csrf = null;
let selected = null;
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  // Marks the page's own calls: their 401 carries no WWW-Authenticate, so that the
  // browser shows the login form rather than its Basic-auth dialog.
  const headers = { "X-Requested-With": "gspnpd-ui" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = json.error || {};
    throw new Error((error.field ? error.field + ": " : "") + (error.message || response.status));
  }
  return json;
}

function when(seconds) { return seconds ? new Date(seconds * 1000).toLocaleString() : ""; }

function cell(row, text) { const td = document.createElement("td"); td.textContent = text == null ? "" : String(text); row.appendChild(td); return td; }

async function loadPhones() {
  const query = new URLSearchParams({ limit: "1000" });
  if ($("filter-state").value) query.set("state", $("filter-state").value);
  if ($("filter-model").value) query.set("model", $("filter-model").value);
  if ($("filter-assigned").value) query.set("assigned", $("filter-assigned").value);
  const { phones, total } = await api("GET", "/api/phones?" + query);
  const body = $("phones").querySelector("tbody");
  body.replaceChildren();
  for (const phone of phones) {
    const row = document.createElement("tr");
    row.dataset.mac = phone.mac;
    row.tabIndex = 0;
    if (!phone.assigned) row.classList.add("new");
    const box = document.createElement("input");
    box.type = "checkbox"; box.className = "pick"; box.value = phone.mac; box.setAttribute("aria-label", "Select " + phone.mac);
    box.addEventListener("click", (event) => event.stopPropagation());
    row.appendChild(document.createElement("td")).appendChild(box);
    cell(row, phone.mac); cell(row, phone.vendor); cell(row, phone.model); cell(row, phone.firmware); cell(row, phone.address);
    cell(row, phone.state).className = "state state-" + phone.state;
    cell(row, when(phone.last_seen)); cell(row, phone.assigned ? "yes" : "new");
    row.addEventListener("click", () => showPhone(phone.mac));
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") showPhone(phone.mac); });
    body.appendChild(row);
  }
  $("status").textContent = total + " phones";
}

async function showPhone(mac) {
  selected = mac;
  const { phone, history, declared } = await api("GET", "/api/phones/" + mac);
  $("detail-section").hidden = false;
  $("detail-title").textContent = "Phone " + mac;
  const list = $("detail");
  list.replaceChildren();
  for (const [name, value] of [["Vendor", phone.vendor], ["Model", phone.model], ["Firmware", phone.firmware], ["Address", phone.address], ["State", phone.state], ["First seen", when(phone.first_seen)], ["Last seen", when(phone.last_seen)], ["Last resync", phone.last_resync], ["Declared in the config file", declared ? "yes" : "no"]]) {
    list.appendChild(document.createElement("dt")).textContent = name;
    list.appendChild(document.createElement("dd")).textContent = value == null ? "" : value;
  }
  const items = $("history");
  items.replaceChildren();
  for (const entry of history) items.appendChild(document.createElement("li")).textContent = when(entry.at) + " " + entry.event + ": " + entry.detail;
}

async function loadWindow() {
  const state = await api("GET", "/api/window");
  $("window").hidden = !state.configured;
  $("window-status").textContent = state.open
    ? "Provisioning window open: new phones are answered for " + Math.ceil(state.remaining_s / 60) + " more min"
    : "Provisioning window closed: new phones are not answered";
}

async function loadAudit() {
  const { audit } = await api("GET", "/api/audit?limit=50");
  const body = $("audit").querySelector("tbody");
  body.replaceChildren();
  for (const entry of audit) {
    const row = body.insertRow();
    cell(row, when(entry.at)); cell(row, entry.actor); cell(row, entry.action); cell(row, entry.mac);
  }
}

function profileFromForm() {
  const account = { user: $("account-user").value };
  if ($("account-password").value) account.password = $("account-password").value;
  if ($("account-name").value) account.name = $("account-name").value;
  if ($("account-server").value) account.sip_server = $("account-server").value;
  const key = $("keys").value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [mode, value, ...label] = line.split(/\s+/);
    return { mode, value: value || "", label: label.join(" ") };
  });
  return { account: [account], key };
}

async function act(work) {
  try { await work(); $("assign-error").textContent = ""; } catch (error) { $("assign-error").textContent = error.message; }
  await refresh();
}

async function refresh() {
  await loadPhones();
  await loadWindow();
  await loadAudit();
  if (selected) await showPhone(selected).catch(() => { selected = null; $("detail-section").hidden = true; });
}

function listen() {
  const events = new EventSource("/api/events");
  let pending = null;
  events.onmessage = () => { clearTimeout(pending); pending = setTimeout(refresh, 200); };
}

async function enter() {
  $("login-section").hidden = true;
  for (const id of ["phones-section", "audit-section", "logout"]) $(id).hidden = false;
  await refresh();
  listen();
}

async function start() {
  try {
    const session = await api("GET", "/api/session");
    csrf = session.csrf; $("who").textContent = session.user;
    await enter();
  } catch (error) {
    $("login-section").hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      csrf = (await api("POST", "/api/login", { password: $("password").value })).csrf;
      $("password").value = ""; $("who").textContent = "admin";
      await enter();
    } catch (error) { $("login-error").textContent = error.message; }
  });
  $("logout").addEventListener("click", async () => { await api("POST", "/api/logout"); location.reload(); });
  for (const id of ["filter-state", "filter-model", "filter-assigned"]) $(id).addEventListener("change", loadPhones);
  $("select-all").addEventListener("change", (event) => { for (const box of document.querySelectorAll(".pick")) box.checked = event.target.checked; });
  const picked = () => [...document.querySelectorAll(".pick:checked")].map((box) => box.value);
  $("bulk-resync").addEventListener("click", () => act(() => api("POST", "/api/bulk/resync", { macs: picked(), reboot: false })));
  $("bulk-reboot").addEventListener("click", () => confirm("Reboot the selected phones?") && act(() => api("POST", "/api/bulk/resync", { macs: picked(), reboot: true })));
  $("resync").addEventListener("click", () => act(() => api("POST", "/api/phones/" + selected + "/resync", { reboot: false })));
  $("reboot").addEventListener("click", () => confirm("Reboot " + selected + "?") && act(() => api("POST", "/api/phones/" + selected + "/resync", { reboot: true })));
  $("window-open").addEventListener("click", () => act(() => api("POST", "/api/window", { open: true })));
  $("window-close").addEventListener("click", () => act(() => api("POST", "/api/window", { open: false })));
  $("unassign").addEventListener("click", () => act(() => api("DELETE", "/api/phones/" + selected + "/assignment")));
  $("forget").addEventListener("click", () => confirm("Forget " + selected + "?") && act(() => api("DELETE", "/api/phones/" + selected)));
  $("assign").addEventListener("submit", (event) => { event.preventDefault(); act(() => api("PUT", "/api/phones/" + selected, profileFromForm())); });
  start();
});
