/**
 * Preloaded (node --require) into a CLI or test child process: every outgoing network attempt from JavaScript —
 * TCP/TLS sockets, DNS lookups, http(s) requests, fetch — is recorded to $CLARA_NET_LOG and refused with an error.
 * Worker threads inherit the preload through execArgv, so the engine worker is guarded too. Local IPC (Unix
 * sockets, pipes) is not network and is allowed.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const http = require('node:http');
const https = require('node:https');
const tls = require('node:tls');
const { isMainThread } = require('node:worker_threads');

const logFile = process.env.CLARA_NET_LOG;
function refuse(what, detail) {
  const line = `${isMainThread ? 'main' : 'worker'} ${what} ${detail}\n`;
  if (logFile) fs.appendFileSync(logFile, line);
  throw new Error(`network access refused by the test guard: ${what} ${detail}`);
}
function describe(args) {
  try {
    return JSON.stringify(args, (_k, v) => (typeof v === 'function' ? '[fn]' : v)).slice(0, 200);
  } catch {
    return String(args[0]);
  }
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const isIpc = (typeof first === 'string' && Number.isNaN(Number(first))) || (first && typeof first === 'object' && typeof first.path === 'string');
  if (!isIpc) refuse('net.Socket.connect', describe(args));
  return connect.apply(this, args);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  if (typeof dns[name] === 'function') dns[name] = (...args) => refuse(`dns.${name}`, describe(args));
  if (dns.promises && typeof dns.promises[name] === 'function') dns.promises[name] = async (...args) => refuse(`dns.promises.${name}`, describe(args));
}
for (const [mod, label] of [[http, 'http'], [https, 'https']]) {
  mod.request = (...args) => refuse(`${label}.request`, describe(args));
  mod.get = (...args) => refuse(`${label}.get`, describe(args));
}
tls.connect = (...args) => refuse('tls.connect', describe(args));
if (typeof globalThis.fetch === 'function') globalThis.fetch = async (...args) => refuse('fetch', describe(args));
if (typeof globalThis.WebSocket === 'function') globalThis.WebSocket = function WebSocket(...args) { refuse('WebSocket', describe(args)); };
