"use strict";
// An entry's page: each form posts to its action (ganzoo/serve/actions.py) and shows the pictures
// that come back, or the server's one-line message. Generators draw once on load and again on every
// change; the others wait for an image and the button.

const statusLine = document.getElementById("status");
const errorLine = document.getElementById("error");
const pictures = document.getElementById("pictures");
const note = document.getElementById("note");
const download = document.getElementById("download");
let latest = 0;  // only the answer to the latest request is shown

function fail(message) {
  errorLine.textContent = message;
  errorLine.hidden = false;
  statusLine.textContent = "";
}

function show(answer) {
  // before and after at one width (at least 256 px), pixels kept sharp
  const width = Math.max(256, ...answer.pictures.map((p) => p.width));
  pictures.replaceChildren(...answer.pictures.map((picture) => {
    const figure = document.createElement("figure");
    const image = new Image();
    image.src = picture.src;
    image.alt = picture.label;
    image.style.width = `${width}px`;
    const caption = document.createElement("figcaption");
    caption.textContent = picture.label;
    figure.append(image, caption);
    return figure;
  }));
  const example = document.getElementById("example");
  if (example) example.hidden = true;
  note.textContent = answer.note || "";
  download.href = answer.pictures[answer.download].src;
  download.download = answer.file_name;
  download.textContent = `download ${answer.file_name}`;
  download.hidden = false;
}

// The inpainting hole: the box, a mask file, or strokes drawn over the image (sent as a mask file).
const painter = document.querySelector(".painter");
const photo = document.getElementById("photo");
const strokes = document.getElementById("strokes");
const drawnMask = document.createElement("canvas");  // white strokes on black: what the server reads

function holeChoice(form) {
  const chosen = form.querySelector("input[name=hole]:checked");
  return chosen ? chosen.value : null;
}

async function fillHole(form, data) {
  const choice = holeChoice(form);
  data.delete("hole");
  if (choice !== "box") data.delete("box");
  if (choice !== "mask") data.delete("mask");
  if (choice === "draw") {
    const blob = await new Promise((resolve) => drawnMask.toBlob(resolve, "image/png"));
    data.set("mask", blob, "drawn-mask.png");
  }
}

async function run(form) {
  const data = new FormData(form);
  for (const [key, value] of [...data.entries()]) {  // "keep" attributes and empty options: not given
    if (value === "") data.delete(key);
  }
  const kept = form.querySelectorAll("select[name=set]");
  if (kept.length) {
    data.delete("set");
    kept.forEach((select) => { if (select.value) data.append("set", select.value); });
  }
  if (holeChoice(form)) await fillHole(form, data);
  const request = ++latest;
  const button = form.querySelector("button[type=submit]");
  errorLine.hidden = true;
  statusLine.textContent = "working…";
  button.disabled = true;
  try {
    const response = await fetch(form.dataset.action, { method: "POST", body: data });
    let answer;
    try {
      answer = await response.json();
    } catch (error) {
      answer = { error: `the server answered ${response.status} ${response.statusText}` };
    }
    if (request !== latest) return;
    if (!response.ok || answer.error) {
      fail(answer.error || `the server answered ${response.status}`);
    } else {
      show(answer);
      statusLine.textContent = "done";
      pictures.dataset.runs = String(Number(pictures.dataset.runs) + 1);
    }
  } catch (error) {
    if (request === latest) fail(`No answer from the server (${error.message}): is ganzoo serve still running?`);
  } finally {
    button.disabled = false;
  }
}

document.querySelectorAll("form.run").forEach((form) => {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(form);
  });
  if (form.hasAttribute("data-auto")) {
    form.addEventListener("change", () => run(form));
    run(form);
  }
});

document.querySelectorAll("button[data-seed-for]").forEach((button) => {
  button.addEventListener("click", () => {
    const field = document.getElementById(button.dataset.seedFor);
    field.value = Math.floor(Math.random() * 2 ** 31);
    field.form.requestSubmit();
  });
});

document.querySelectorAll("input[type=range] + output").forEach((output) => {
  const range = output.previousElementSibling;
  range.addEventListener("input", () => { output.value = range.value; });
});

if (painter) {
  const image = document.getElementById("image");
  const pen = strokes.getContext("2d");
  const mask = drawnMask.getContext("2d");
  drawnMask.width = strokes.width;
  drawnMask.height = strokes.height;

  function clear() {
    pen.clearRect(0, 0, strokes.width, strokes.height);
    mask.fillStyle = "black";
    mask.fillRect(0, 0, drawnMask.width, drawnMask.height);
  }

  function showPainter() {
    painter.hidden = !(image.files.length && holeChoice(image.form) === "draw");
  }

  image.addEventListener("change", () => {
    clear();
    showPainter();
    if (!image.files.length) return;
    const picture = new Image();
    picture.onload = () => {  // the centre square, as the model sees the image
      const side = Math.min(picture.width, picture.height);
      photo.getContext("2d").drawImage(picture, (picture.width - side) / 2, (picture.height - side) / 2,
        side, side, 0, 0, photo.width, photo.height);
    };
    picture.src = URL.createObjectURL(image.files[0]);
  });
  image.form.querySelectorAll("input[name=hole]").forEach((radio) => radio.addEventListener("change", showPainter));
  document.getElementById("clear").addEventListener("click", clear);

  let last = null;  // the pen's previous point while the button is down; null when up
  function paint(event) {
    if (!last) return;
    const box = strokes.getBoundingClientRect();
    const point = [(event.clientX - box.left) * strokes.width / box.width,
      (event.clientY - box.top) * strokes.height / box.height];
    // a line from the previous point: pointer events come sparsely when the hand moves fast
    const width = Number(document.getElementById("brush").value);
    for (const [context, colour] of [[pen, "rgba(255, 255, 255, 0.85)"], [mask, "white"]]) {
      context.fillStyle = context.strokeStyle = colour;
      context.lineWidth = width;
      context.lineCap = "round";
      context.beginPath();
      if (last === true) {  // the first point: a dot (a line of no length draws nothing)
        context.arc(...point, width / 2, 0, 2 * Math.PI);
        context.fill();
      } else {
        context.moveTo(...last);
        context.lineTo(...point);
        context.stroke();
      }
    }
    last = point;
  }
  strokes.addEventListener("pointerdown", (event) => { last = true; paint(event); });
  strokes.addEventListener("pointermove", paint);
  window.addEventListener("pointerup", () => { last = null; });
  clear();
}
