// The page of `segment serve`: upload, recompute, cut the merge hierarchy, hover, download.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  file: null,          // the File being segmented
  summary: null,       // the API's answer for the current cut
  config: null,        // limits and defaults from /api/config
  upload: 0,           // serial of the latest upload; older answers are dropped
  view: "painted",     // painted | overlay
  version: 0,          // bumps whenever the current cut changes (cache busting)
  cutBusy: false, cutWanted: null,
  hoverBusy: false, hoverWanted: null,
};

function setStatus(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.className = kind || "";
}

async function api(url, options) {
  const response = await fetch(url, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  }
  return body;
}

function base() {
  return `/api/segment/${encodeURIComponent(state.summary.id)}`;
}

// --- parameters ------------------------------------------------------------------

function formFields() {
  return {
    spatial_bandwidth: $("spatial_bandwidth").value.trim() || "auto",
    range_bandwidth: $("range_bandwidth").value.trim() || "auto",
    min_size: $("min_size").value.trim() || "auto",
    merge_threshold: $("merge-threshold").value,
  };
}

async function segmentFile() {
  if (!state.file) return;
  const limit = state.config && state.config.max_bytes;
  if (limit && state.file.size > limit) {
    setStatus(`${state.file.name} is ${state.file.size} bytes, over the limit of ${limit}`, "error");
    return;
  }
  const serial = ++state.upload;
  const form = new FormData();
  form.append("image", state.file, state.file.name);
  for (const [name, value] of Object.entries(formFields())) form.append(name, value);
  setStatus(`segmenting ${state.file.name}…`, "busy");
  document.body.classList.add("busy");
  const started = performance.now();
  try {
    const summary = await api("/api/segment", { method: "POST", body: form });
    if (serial !== state.upload) return;  // a newer upload supersedes this one
    const previous = state.summary;
    state.summary = summary;
    if (previous && previous.id !== summary.id) {
      fetch(`/api/segment/${encodeURIComponent(previous.id)}`, { method: "DELETE" }).catch(() => {});
    }
    showSummary(summary, true);
    const wall = (performance.now() - started) / 1000;
    setStatus(`${summary.name}: segmented in ${summary.seconds.toFixed(2)} s ` +
              `(${wall.toFixed(2)} s with the transfer)`);
  } catch (error) {
    if (serial === state.upload) setStatus(error.message, "error");
  } finally {
    if (serial === state.upload) document.body.classList.remove("busy");
  }
}

// --- showing a result ------------------------------------------------------------

function showSummary(summary, fresh) {
  state.version += 1;
  $("n-regions").textContent = String(summary.n_regions);
  const slider = $("merge-threshold");
  slider.disabled = false;
  if (fresh || state.cutWanted === null) {
    slider.value = String(summary.merge_threshold);
  }
  $("merge-value").textContent = Number(slider.value).toFixed(3);
  $("command").textContent = summary.command;
  // automatic values: show what they resolved to
  $("range_bandwidth").placeholder = `auto (${summary.parameters.range_bandwidth.toFixed(2)})`;
  $("min_size").placeholder = `auto (${summary.parameters.min_size})`;
  for (const link of document.querySelectorAll("#downloads a")) {
    link.href = `${base()}/${link.dataset.file}?download=1&v=${state.version}`;
    link.classList.remove("disabled");
  }
  document.body.classList.add("has-image");
  if (fresh) {
    const original = `${base()}/original.png`;
    $("original-image").src = original;
    $("under-image").src = original;
  }
  showResultImage();
}

function showResultImage() {
  if (!state.summary) return;
  const image = $("result-image");
  const src = `${base()}/${state.view}.png?v=${state.version}`;
  image.onload = () => { image.dataset.loaded = src; };  // what is on screen now
  image.src = src;
  $("result-caption").textContent =
    state.view === "painted" ? "painted in the mode colours" : "region boundaries";
}

// --- the merge level: instant cuts of the hierarchy -------------------------------

async function requestCut(value) {
  if (!state.summary) return;
  if (state.cutBusy) { state.cutWanted = value; return; }
  state.cutBusy = true;
  state.cutWanted = null;
  const id = state.summary.id;
  try {
    const summary = await api(`${base()}/cut?merge_threshold=${encodeURIComponent(value)}`);
    if (state.summary && state.summary.id === id) {
      state.summary = summary;
      showSummary(summary, false);
    }
  } catch (error) {
    setStatus(error.message, "error");
  } finally {
    state.cutBusy = false;
    if (state.cutWanted !== null && state.cutWanted !== value) {
      requestCut(state.cutWanted);
    } else {
      state.cutWanted = null;
    }
  }
}

// --- hover: the region under the pointer -------------------------------------------

function pixelAt(event) {
  const image = event.currentTarget;
  const rect = image.getBoundingClientRect();
  const width = state.summary.width, height = state.summary.height;
  const x = Math.floor(((event.clientX - rect.left) / rect.width) * width);
  const y = Math.floor(((event.clientY - rect.top) / rect.height) * height);
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  return { x, y, clientX: event.clientX, clientY: event.clientY };
}

async function hover(point) {
  if (state.hoverBusy) { state.hoverWanted = point; return; }
  state.hoverBusy = true;
  try {
    const region = await api(`${base()}/region?x=${point.x}&y=${point.y}`);
    const tooltip = $("tooltip");
    $("tooltip-swatch").style.background = region.colour;
    $("tooltip-text").textContent =
      `region ${region.id} · ${region.size} px · ${region.colour}`;
    tooltip.style.left = `${point.clientX + 14}px`;
    tooltip.style.top = `${point.clientY + 14}px`;
    tooltip.hidden = state.hoverWanted === "gone";
  } catch (error) {
    $("tooltip").hidden = true;
  } finally {
    state.hoverBusy = false;
    const next = state.hoverWanted;
    state.hoverWanted = null;
    if (next && next !== "gone") hover(next);
    if (next === "gone") $("tooltip").hidden = true;
  }
}

// --- wiring ------------------------------------------------------------------------

function openFile(file) {
  if (!file) return;
  state.file = file;
  segmentFile();
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

async function init() {
  try {
    state.config = await api("/api/config");
    const defaults = state.config.defaults;
    // null: automatic, 10 px on a 481 x 321 photo and in proportion to the size
    $("spatial_bandwidth").value = defaults.spatial_bandwidth ?? "";
    $("spatial-range").value = defaults.spatial_bandwidth ?? 10;
    $("merge-threshold").value = defaults.merge_threshold;
    $("merge-value").textContent = Number(defaults.merge_threshold).toFixed(3);
  } catch (error) {
    setStatus(`cannot reach the server: ${error.message}`, "error");
  }

  $("file-input").addEventListener("change", (event) => openFile(event.target.files[0]));
  document.addEventListener("dragover", (event) => {
    event.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    document.body.classList.remove("dragging");
    openFile(event.dataTransfer.files[0]);
  });

  const recompute = debounce(segmentFile, 300);
  $("spatial-range").addEventListener("input", () => {
    $("spatial_bandwidth").value = $("spatial-range").value;
  });
  $("spatial-range").addEventListener("change", recompute);
  $("spatial_bandwidth").addEventListener("change", () => {
    $("spatial-range").value = $("spatial_bandwidth").value;
    recompute();
  });
  $("range_bandwidth").addEventListener("change", recompute);
  $("min_size").addEventListener("change", recompute);

  $("merge-threshold").addEventListener("input", (event) => {
    $("merge-value").textContent = Number(event.target.value).toFixed(3);
    requestCut(event.target.value);
  });

  for (const radio of document.querySelectorAll('input[name="view"]')) {
    radio.addEventListener("change", (event) => {
      state.view = event.target.value;
      showResultImage();
    });
  }
  $("opacity").addEventListener("input", (event) => {
    $("result-image").style.opacity = event.target.value;
  });

  for (const image of [$("original-image"), $("result-image")]) {
    image.addEventListener("mousemove", (event) => {
      if (!state.summary) return;
      const point = pixelAt(event);
      if (point) hover(point);
    });
    image.addEventListener("mouseleave", () => {
      if (state.hoverBusy) state.hoverWanted = "gone";
      $("tooltip").hidden = true;
    });
  }

  $("copy-command").addEventListener("click", async () => {
    const text = $("command").textContent;
    try {
      await navigator.clipboard.writeText(text);
      $("copy-command").textContent = "Copied";
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents($("command"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      $("copy-command").textContent = "Selected";
    }
    setTimeout(() => { $("copy-command").textContent = "Copy"; }, 1500);
  });
}

document.addEventListener("DOMContentLoaded", init);
