/* 民生诉求平台 — voice (语音): read aloud, speak instead of typing, record a voice note.
   Progressive enhancement only: every page works without this file. Each feature adds its
   controls only where the browser supports it, so nothing that cannot work is ever shown.
   Labels come from data-* attributes written by the (translated) templates. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // Line drawings rather than emoji: many computers at community centres have no emoji font.
  var ICONS = {
    speaker: "M4 9h4l5-4v14l-5-4H4z M16 8.5a5 5 0 0 1 0 7 M18.5 6a8.5 8.5 0 0 1 0 12",
    mic: "M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3z M5 11a7 7 0 0 0 14 0 M12 18v3 M8 21h8",
    record: "M12 5a7 7 0 1 1 0 14a7 7 0 1 1 0-14z",
    stop: "M6 6h12v12H6z",
  };
  var SVG = "http://www.w3.org/2000/svg";

  function icon(name) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "voice-button__icon");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", name === "record" || name === "stop" ? "currentColor" : "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    return svg;
  }

  function iconButton(iconName, label, extraClass) {
    var button = el("button", "button button--secondary voice-button " + (extraClass || ""));
    button.type = "button";
    var i = icon(iconName);
    var t = el("span", "voice-button__label", label);
    button.appendChild(i);
    button.appendChild(t);
    button.setLabel = function (iconName2, label2) {
      var fresh = icon(iconName2);
      button.replaceChild(fresh, i);
      i = fresh;
      t.textContent = label2;
    };
    return button;
  }

  function status(container) {
    var p = el("p", "voice-status");
    p.setAttribute("role", "status");
    p.setAttribute("aria-live", "polite");
    container.appendChild(p);
    return p;
  }

  /* ---- Read aloud (朗读) with the browser's speech synthesis ---- */

  function pickVoice(lang) {
    var voices = window.speechSynthesis.getVoices() || [];
    var want = lang.toLowerCase();
    var prefix = want.split("-")[0];
    var exact = null;
    var near = null;
    voices.forEach(function (v) {
      var l = (v.lang || "").replace("_", "-").toLowerCase();
      if (!exact && l === want) exact = v;
      if (!near && l.split("-")[0] === prefix) near = v;
    });
    return exact || near;
  }

  function setupReadAloud(slot) {
    if (!("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") return;
    var lang = slot.getAttribute("data-lang") || "zh-CN";
    var built = false;

    function build() {
      // Only offer it when the browser has a voice for the page's language: no silent button.
      if (built || !pickVoice(lang)) return;
      built = true;
      var label = slot.getAttribute("data-label") || "朗读";
      var stopLabel = slot.getAttribute("data-label-stop") || label;
      var button = iconButton("speaker", label, "voice-read-aloud__button");
      var speaking = false;
      function reset() {
        speaking = false;
        button.setLabel("speaker", label);
      }
      button.addEventListener("click", function () {
        if (speaking) {
          window.speechSynthesis.cancel();
          reset();
          return;
        }
        var utterance = new window.SpeechSynthesisUtterance(slot.getAttribute("data-text") || "");
        utterance.lang = lang;
        utterance.voice = pickVoice(lang);
        utterance.rate = 0.8; // slower than usual: easier to follow and to write down
        utterance.onend = reset;
        utterance.onerror = reset;
        window.speechSynthesis.cancel();
        window.speechSynthesis.speak(utterance);
        speaking = true;
        button.setLabel("stop", stopLabel);
      });
      slot.appendChild(button);
    }

    build();
    if (!built && window.speechSynthesis.addEventListener) {
      window.speechSynthesis.addEventListener("voiceschanged", build);
    }
  }

  /* ---- Speak instead of typing (SpeechRecognition, usually a cloud service) ---- */

  function setupVoiceInput(textarea) {
    var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
    if (!Recognition) return;
    var box = el("div", "voice-input");
    var button = iconButton("mic", textarea.getAttribute("data-label-start") || "说话输入", "voice-input__button");
    var note = status(box);
    box.insertBefore(button, note);
    textarea.insertAdjacentElement("afterend", box);
    var recognition = null;

    function stopped() {
      recognition = null;
      button.setLabel("mic", textarea.getAttribute("data-label-start") || "说话输入");
    }

    button.addEventListener("click", function () {
      if (recognition) {
        recognition.stop();
        return;
      }
      recognition = new Recognition();
      recognition.lang = textarea.getAttribute("data-lang") || "zh-CN";
      recognition.interimResults = false;
      recognition.continuous = false;
      recognition.onresult = function (event) {
        var text = "";
        for (var i = event.resultIndex; i < event.results.length; i++) {
          if (event.results[i].isFinal) text += event.results[i][0].transcript;
        }
        if (text) {
          textarea.value = textarea.value ? textarea.value.replace(/\s+$/, "") + "\n" + text : text;
          note.textContent = "";
        }
      };
      recognition.onerror = function (event) {
        // "network" is what an intranet without the browser's cloud recogniser gives.
        if (event.error !== "no-speech" && event.error !== "aborted") {
          note.textContent = textarea.getAttribute("data-label-failed") || "";
          box.removeChild(button);
        }
        stopped();
      };
      recognition.onend = stopped;
      try {
        recognition.start();
        note.textContent = textarea.getAttribute("data-label-listening") || "";
        button.setLabel("stop", textarea.getAttribute("data-label-stop") || "说完了");
      } catch (e) {
        stopped();
      }
    });
  }

  /* ---- Voice note (录音): works offline; uploaded with the form as the file field "voice" ---- */

  var TYPES = [
    ["audio/webm;codecs=opus", "webm"],
    ["audio/ogg;codecs=opus", "ogg"],
    ["audio/mp4", "m4a"],
    ["audio/webm", "webm"],
  ];

  function recordingType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (window.MediaRecorder.isTypeSupported && window.MediaRecorder.isTypeSupported(TYPES[i][0])) return TYPES[i];
    }
    return ["", "webm"];
  }

  function canFillFileInput() {
    try {
      return typeof window.DataTransfer === "function" && !!new window.DataTransfer().items;
    } catch (e) {
      return false;
    }
  }

  function setupVoiceNote(container) {
    var input = container.querySelector('input[type="file"]');
    if (
      !input ||
      !window.MediaRecorder ||
      !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia ||
      !canFillFileInput()
    ) {
      return; // the plain file input (which can open a phone's recorder) stays
    }
    var label = function (name, fallback) {
      return container.getAttribute("data-label-" + name) || fallback;
    };
    var maxSeconds = parseInt(container.getAttribute("data-max-seconds"), 10) || 120;
    var controls = el("div", "voice-note__controls");
    var button = iconButton("record", label("record", "开始录音"), "voice-note__record");
    var note = status(controls);
    var preview = el("audio", "voice-note__preview");
    preview.controls = true;
    preview.style.display = "none";
    controls.insertBefore(button, note);
    controls.appendChild(preview);
    input.insertAdjacentElement("afterend", controls);
    input.style.display = "none"; // still submitted with the form, filled by the recorder
    input.classList.add("voice-note__file");

    var recorder = null;
    var stream = null;
    var timer = null;
    var started = 0;

    function remaining() {
      var left = Math.max(0, maxSeconds - Math.round((Date.now() - started) / 1000));
      var m = Math.floor(left / 60);
      var s = left % 60;
      note.textContent = label("recording", "") + " " + label("remaining", "") + " " + m + ":" + (s < 10 ? "0" : "") + s;
      // Stop a second early: the server refuses anything past the limit.
      if (left <= 1 && recorder && recorder.state === "recording") recorder.stop();
    }

    function finish(chunks, type, ext) {
      clearInterval(timer);
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      recorder = null;
      button.setLabel("record", label("record", "开始录音"));
      var blob = new Blob(chunks, { type: type || "audio/webm" });
      if (!blob.size) return;
      var file = new File([blob], "voice." + ext, { type: blob.type });
      var transfer = new window.DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
      preview.src = URL.createObjectURL(blob);
      preview.style.display = "";
      note.textContent = label("done", "");
      var remove = container.querySelector('input[name="remove_voice"]');
      if (remove) remove.checked = false;
    }

    button.addEventListener("click", function () {
      if (recorder) {
        recorder.stop();
        return;
      }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(
        function (s) {
          stream = s;
          var chosen = recordingType();
          var chunks = [];
          recorder = chosen[0] ? new window.MediaRecorder(s, { mimeType: chosen[0] }) : new window.MediaRecorder(s);
          recorder.ondataavailable = function (event) {
            if (event.data && event.data.size) chunks.push(event.data);
          };
          recorder.onstop = function () {
            finish(chunks, recorder ? recorder.mimeType : chosen[0], chosen[1]);
          };
          recorder.start(1000);
          started = Date.now();
          button.setLabel("stop", label("stop", "停止录音"));
          remaining();
          timer = setInterval(remaining, 1000);
        },
        function () {
          note.textContent = label("denied", "");
        }
      );
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-read-aloud]"), setupReadAloud);
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-voice-input]"), setupVoiceInput);
    Array.prototype.forEach.call(document.querySelectorAll("[data-voice-note]"), setupVoiceNote);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
