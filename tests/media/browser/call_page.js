// A browser member of a Roomcast call, speaking docs/protocol.md over its own
// websocket: hello with a token, join_call for the main room, then call_state and
// signal. Of two peers the smaller user id offers. It sends the fake microphone
// and measures what it hears with an AnalyserNode.
//
// The page's host gives it `server` (the websocket URL), `token` and
// `conversation` in the query string, takes its reports as JSON POSTs to
// /report (in order, one at a time) and hands it orders ("leave", "hangup")
// through GET /order.
"use strict";

const params = new URLSearchParams(location.search);
const SERVER = params.get("server");
const TOKEN = params.get("token");
const CONVERSATION = params.get("conversation");

const GATHER_TIMEOUT_MS = 5000; // aiortc does not trickle: send complete descriptions
const LISTEN_EVERY_MS = 200;
const FFT_SIZE = 8192; // 5.9 Hz bins at 48 kHz

let me = null;
let microphone = null;
let socket = null;
let context = null;
let requests = 0;
const peers = new Map(); // user id -> {pc, audio, timer}
const pendingLeave = new Set(); // request ids of our leave_call

// Reports go out one after another so that the host sees them in order.
let reporting = Promise.resolve();
function report(kind, fields = {}) {
  const body = JSON.stringify({kind, at: performance.now(), ...fields});
  reporting = reporting
    .then(() => fetch("/report", {method: "POST", body}))
    .catch(() => undefined);
}

window.addEventListener("error", (event) => report("page_error", {message: String(event.message)}));
window.addEventListener("unhandledrejection", (event) =>
  report("page_error", {message: String(event.reason)}));

// The protocol compares user ids code point by code point; JavaScript's `<`
// compares UTF-16 code units, which differs above U+FFFF.
function smaller(a, b) {
  const left = Array.from(a, (c) => c.codePointAt(0));
  const right = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] < right[i];
  }
  return left.length < right.length;
}

function send(message) {
  socket.send(JSON.stringify(message));
}

function request(type, fields) {
  requests += 1;
  const id = `page-${requests}`;
  send({type, id, ...fields});
  return id;
}

function signal(to, kind, sdp = "") {
  request("signal", {conversation_id: CONVERSATION, to, kind, sdp});
}

// Connections

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function connect(user) {
  const pc = new RTCPeerConnection({iceServers: []});
  const peer = {pc, audio: null, timer: null};
  peers.set(user, peer);
  pc.addEventListener("connectionstatechange", () => {
    report("peer_state", {peer: user, state: pc.connectionState});
    if (pc.connectionState === "connected") reportRoute(user, pc);
  });
  pc.addEventListener("track", (event) => {
    const stream = event.streams[0] || new MediaStream([event.track]);
    listen(user, peer, stream);
  });
  return peer;
}

// The addresses of the candidate pair in use, as the browser sees them.
async function reportRoute(user, pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return report("page_error", {message: "no selected candidate pair"});
  const [local, remote] = [stats.get(pair.localCandidateId), stats.get(pair.remoteCandidateId)];
  report("route", {peer: user, local: local.address, local_type: local.candidateType,
    remote: remote.address, remote_type: remote.candidateType});
}

async function describe(user, pc, type) {
  await pc.setLocalDescription(type === "offer" ? await pc.createOffer() : await pc.createAnswer());
  await gathered(pc);
  const sdp = pc.localDescription.sdp;
  report("sdp", {peer: user, side: "local", type, sdp});
  signal(user, type, sdp);
}

async function offerTo(user) {
  const {pc} = connect(user);
  pc.addTrack(microphone.getAudioTracks()[0], microphone);
  await describe(user, pc, "offer");
}

async function answer(user, sdp) {
  hangUp(user, "replaced");
  const {pc} = connect(user);
  report("sdp", {peer: user, side: "remote", type: "offer", sdp});
  await pc.setRemoteDescription({type: "offer", sdp});
  pc.addTrack(microphone.getAudioTracks()[0], microphone);
  await describe(user, pc, "answer");
}

async function accept(user, sdp) {
  const peer = peers.get(user);
  if (!peer) return;
  report("sdp", {peer: user, side: "remote", type: "answer", sdp});
  await peer.pc.setRemoteDescription({type: "answer", sdp});
}

function hangUp(user, why) {
  const peer = peers.get(user);
  if (!peer) return;
  peers.delete(user);
  clearInterval(peer.timer);
  peer.pc.close();
  if (peer.audio) peer.audio.remove();
  report("peer_closed", {peer: user, why});
}

// Hearing: Chromium decodes a remote stream only while an unmuted media element
// plays it; the analyser then sees the decoded audio.

function listen(user, peer, stream) {
  const audio = document.createElement("audio");
  audio.autoplay = true;
  audio.muted = false;
  audio.srcObject = stream;
  document.getElementById("voices").append(audio);
  audio.play().catch((error) => report("page_error", {message: `play: ${error}`}));
  peer.audio = audio;

  context = context || new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = FFT_SIZE;
  analyser.smoothingTimeConstant = 0;
  context.createMediaStreamSource(stream).connect(analyser);
  context.resume().then(() => report("listening", {peer: user, context: context.state,
    sample_rate: context.sampleRate}));
  const spectrum = new Float32Array(analyser.frequencyBinCount);
  const wave = new Float32Array(analyser.fftSize);
  peer.timer = setInterval(() => {
    analyser.getFloatFrequencyData(spectrum);
    analyser.getFloatTimeDomainData(wave);
    report("heard", {peer: user, frequency: dominant(spectrum, context.sampleRate),
      rms_dbfs: rmsDbfs(wave)});
  }, LISTEN_EVERY_MS);
}

// The loudest bin above 50 Hz, refined by a parabola through its neighbours (in dB).
function dominant(spectrum, rate) {
  const binHz = rate / (2 * spectrum.length);
  let best = Math.ceil(50 / binHz);
  for (let i = best; i < spectrum.length - 1; i++) {
    if (spectrum[i] > spectrum[best]) best = i;
  }
  const [a, b, c] = [spectrum[best - 1], spectrum[best], spectrum[best + 1]];
  const curve = a - 2 * b + c;
  const shift = Number.isFinite(curve) && curve !== 0 ? (0.5 * (a - c)) / curve : 0;
  return (best + shift) * binHz;
}

function rmsDbfs(wave) {
  let sum = 0;
  for (const x of wave) sum += x * x;
  return 10 * Math.log10(sum / wave.length + 1e-20);
}

// The protocol

function onCallState(state) {
  if (state.conversation_id !== CONVERSATION || state.room_id !== null) return;
  const users = state.participants.map((p) => p.user_id);
  report("call_state", {users});
  if (!users.includes(me)) {
    for (const user of [...peers.keys()]) hangUp(user, "not_in_call");
    return;
  }
  for (const user of [...peers.keys()]) {
    if (!users.includes(user)) hangUp(user, "left");
  }
  for (const user of users) {
    if (user !== me && !peers.has(user) && smaller(me, user)) offerTo(user);
  }
}

function onSignal(message) {
  if (message.conversation_id !== CONVERSATION) return;
  report("signal", {peer: message.sender, signal: message.kind});
  if (message.kind === "offer") answer(message.sender, message.sdp);
  else if (message.kind === "answer") accept(message.sender, message.sdp);
  else if (message.kind === "hangup") hangUp(message.sender, "hangup");
}

function onMessage(event) {
  const message = JSON.parse(event.data);
  switch (message.type) {
    case "welcome":
      if (!message.account) return report("page_error", {message: "not signed in"});
      me = message.account.user_id;
      report("welcome", {user: me});
      request("join_call", {conversation_id: CONVERSATION, room_id: null});
      return;
    case "snapshot":
      for (const call of message.calls) onCallState(call);
      return;
    case "call_state":
      return onCallState(message);
    case "signal":
      return onSignal(message);
    case "ack":
      if (pendingLeave.delete(message.id)) report("left");
      return;
    case "error":
      return report("server_error", {id: message.id, code: message.code, message: message.message});
    default:
      return undefined;
  }
}

// Orders from the host

function obey(order) {
  report("order", {order});
  if (order === "hangup") {
    for (const user of [...peers.keys()]) {
      signal(user, "hangup");
      hangUp(user, "we_hung_up");
    }
  }
  if (order === "leave" || order === "hangup") {
    pendingLeave.add(request("leave_call", {conversation_id: CONVERSATION}));
  }
}

async function takeOrders() {
  for (;;) {
    const response = await fetch("/order");
    if (response.status === 410) return;
    if (response.status === 200) obey((await response.json()).order);
  }
}

async function main() {
  microphone = await navigator.mediaDevices.getUserMedia({
    audio: {echoCancellation: false, noiseSuppression: false, autoGainControl: false},
  });
  report("microphone", {label: microphone.getAudioTracks()[0].label});
  socket = new WebSocket(SERVER);
  socket.addEventListener("open", () =>
    send({type: "hello", protocol: 1, token: TOKEN, client: "roomcast-test-page"}));
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", (event) => report("socket_closed", {code: event.code}));
  takeOrders();
}

main().catch((error) => report("page_error", {message: String(error)}));
