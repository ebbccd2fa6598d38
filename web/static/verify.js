// Verifies a proof of inclusion in the browser, trusting nothing the server computed: it recomputes the
// transfer id from the fields, folds the RFC 9162 audit path to the root, recomputes the checkpoint hash and
// checks its Ed25519 signature with WebCrypto under the node key this page was served with. The checks run in
// the order of docs/proofs.md, so one tampering gives one specific reason.
(function () {
  'use strict';
  var HEX64 = /^[0-9a-f]{64}$/;
  var HEX128 = /^[0-9a-f]{128}$/;
  var U64_MAX = (1n << 64n) - 1n;
  var I64_MIN = -(1n << 63n);
  var I64_MAX = (1n << 63n) - 1n;

  function Failure(reason, detail) { this.reason = reason; this.detail = detail; }
  function fail(reason, detail) { throw new Failure(reason, detail); }

  function hex(bytes) { return Array.from(bytes, function (b) { return b.toString(16).padStart(2, '0'); }).join(''); }
  function unhex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(i * 2, 2), 16); }
    return out;
  }
  function concat(parts) {
    var size = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(size), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function u64(v) { var b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v); return b; }
  function i64(v) { var b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, v); return b; }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)); }
  function equal(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }

  // Integers are read from their source text so that u64 values above 2^53 keep every digit.
  function parse(text) {
    var doc;
    try {
      doc = JSON.parse(text, function (key, value, ctx) {
        if (typeof value === 'number') {
          if (!/^-?\d+$/.test(ctx.source)) { fail('malformed', key + ' is not an integer'); }
          return BigInt(ctx.source);
        }
        return value;
      });
    } catch (e) {
      if (e instanceof Failure) { throw e; }
      fail('malformed', 'not JSON: ' + e.message);
    }
    return doc;
  }
  function fields(obj, names, where) {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) { fail('malformed', where + ' is not an object'); }
    Object.keys(obj).forEach(function (k) { if (names.indexOf(k) < 0) { fail('malformed', 'unknown field ' + where + '.' + k); } });
    names.forEach(function (k) { if (!(k in obj)) { fail('malformed', 'missing field ' + where + '.' + k); } });
  }
  function int(v, name, min, max) {
    if (typeof v !== 'bigint' || v < min || v > max) { fail('malformed', name + ' must be an integer in ' + min + '..' + max); }
    return v;
  }
  function hexField(v, name, pattern) {
    if (typeof v !== 'string' || !pattern.test(v)) { fail('malformed', name + ' must be lowercase hex of the right length'); }
    return unhex(v);
  }

  function readProof(text) {
    var d = parse(text);
    fields(d, ['transaction', 'id', 'leafIndex', 'checkpoint', 'auditPath', 'publicKey'], 'proof');
    var t = d.transaction;
    fields(t, ['sender', 'receiver', 'amount', 'seq', 'timestamp', 'parents', 'memo'], 'transaction');
    var c = d.checkpoint;
    fields(c, ['seq', 'prev', 'firstPosition', 'lastPosition', 'count', 'root', 'timestamp', 'hash', 'signature'], 'checkpoint');
    if (!Array.isArray(t.parents) || t.parents.length > 8) { fail('malformed', 'transaction.parents must be a list of at most 8 ids'); }
    if (typeof t.memo !== 'string') { fail('malformed', 'transaction.memo must be a string'); }
    var memo = new TextEncoder().encode(t.memo);
    if (memo.length > 65535) { fail('malformed', 'transaction.memo is too long'); }
    if (!Array.isArray(d.auditPath) || d.auditPath.length > 64) { fail('malformed', 'auditPath must be a list of at most 64 hashes'); }
    return {
      sender: int(t.sender, 'sender', 0n, U64_MAX), receiver: int(t.receiver, 'receiver', 0n, U64_MAX),
      amount: int(t.amount, 'amount', 0n, U64_MAX), seq: int(t.seq, 'seq', 0n, U64_MAX),
      timestamp: int(t.timestamp, 'timestamp', I64_MIN, I64_MAX),
      parents: t.parents.map(function (p, i) { return hexField(p, 'parents[' + i + ']', HEX64); }), memo: memo,
      id: hexField(d.id, 'id', HEX64), leafIndex: int(d.leafIndex, 'leafIndex', 0n, U64_MAX),
      path: d.auditPath.map(function (p, i) { return hexField(p, 'auditPath[' + i + ']', HEX64); }),
      publicKey: hexField(d.publicKey, 'publicKey', HEX64),
      cp: {
        seq: int(c.seq, 'checkpoint.seq', 0n, U64_MAX), prev: hexField(c.prev, 'checkpoint.prev', HEX64),
        first: int(c.firstPosition, 'firstPosition', 0n, U64_MAX), last: int(c.lastPosition, 'lastPosition', 0n, U64_MAX),
        count: int(c.count, 'count', 0n, U64_MAX), root: hexField(c.root, 'checkpoint.root', HEX64),
        timestamp: int(c.timestamp, 'checkpoint.timestamp', I64_MIN, I64_MAX),
        hash: hexField(c.hash, 'checkpoint.hash', HEX64), signature: hexField(c.signature, 'checkpoint.signature', HEX128)
      }
    };
  }

  function compareBytes(a, b) {
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return a[i] - b[i]; } }
    return 0;
  }

  async function transferId(p) {
    var parents = p.parents.slice().sort(compareBytes);
    var memoLength = new Uint8Array([p.memo.length >> 8, p.memo.length & 0xff]);
    return sha256(concat([new TextEncoder().encode('OMNI1'), u64(p.sender), u64(p.receiver), u64(p.amount),
      u64(p.seq), i64(p.timestamp), new Uint8Array([parents.length])].concat(parents, [memoLength, p.memo])));
  }

  async function checkpointHash(c) {
    return sha256(concat([new TextEncoder().encode('OMNI-CP1'), u64(c.seq), c.prev, u64(c.first), u64(c.last),
      u64(c.count), c.root, i64(c.timestamp)]));
  }

  // RFC 9162 section 2.1.3.2, first without hashing to know the path length the tree needs.
  function pathLength(index, size) {
    var fn = index, sn = size - 1n, length = 0;
    while (sn > 0n) {
      if ((fn & 1n) === 1n || fn === sn) {
        if ((fn & 1n) === 0n) { while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
      }
      fn >>= 1n; sn >>= 1n; length++;
    }
    return length;
  }

  async function foldPath(leaf, index, size, path) {
    var fn = index, sn = size - 1n, r = await sha256(concat([new Uint8Array([0]), leaf]));
    for (var i = 0; i < path.length; i++) {
      if ((fn & 1n) === 1n || fn === sn) {
        r = await sha256(concat([new Uint8Array([1]), path[i], r]));
        if ((fn & 1n) === 0n) { while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
      } else {
        r = await sha256(concat([new Uint8Array([1]), r, path[i]]));
      }
      fn >>= 1n; sn >>= 1n;
    }
    return r;
  }

  async function verify(text, pinnedKeyHex) {
    var p = readProof(text);
    var c = p.cp;
    if (!equal(await checkpointHash(c), c.hash)) {
      fail('checkpoint_hash_mismatch', 'the checkpoint hash does not recompute from its fields');
    }
    if (c.seq < 1n || c.count !== c.last - c.first + 1n
        || (c.seq === 1n && (c.first !== 0n || !c.prev.every(function (b) { return b === 0; })))) {
      fail('checkpoint_inconsistent', 'the checkpoint breaks the chain rules (seq, count, genesis)');
    }
    if (pinnedKeyHex && hex(p.publicKey) !== pinnedKeyHex) {
      fail('public_key_mismatch', 'the proof names key ' + hex(p.publicKey).slice(0, 16) + '…, this node signs with '
        + pinnedKeyHex.slice(0, 16) + '…');
    }
    var key = await crypto.subtle.importKey('raw', p.publicKey, { name: 'Ed25519' }, false, ['verify']);
    if (!await crypto.subtle.verify({ name: 'Ed25519' }, key, c.signature, c.hash)) {
      fail('signature_invalid', 'the Ed25519 signature does not verify under the node key');
    }
    if (!equal(await transferId(p), p.id)) {
      fail('id_mismatch', 'the id does not recompute from the transfer fields');
    }
    if (p.leafIndex >= c.count) {
      fail('leaf_index_out_of_range', 'leaf ' + p.leafIndex + ' of a tree of ' + c.count + ' leaves');
    }
    var expected = pathLength(p.leafIndex, c.count);
    if (p.path.length !== expected) {
      fail('audit_path_length_wrong', 'the path has ' + p.path.length + ' hashes, leaf ' + p.leafIndex + ' of '
        + c.count + ' needs ' + expected);
    }
    if (!equal(await foldPath(p.id, p.leafIndex, c.count, p.path), c.root)) {
      fail('audit_path_root_mismatch', 'the audit path folds to another root than the checkpoint\'s');
    }
    return { seq: c.seq, position: c.first + p.leafIndex };
  }

  function show(ok, reason, detail) {
    var out = document.getElementById('verify-result');
    out.className = 'verdict ' + (ok ? 'valid' : 'invalid');
    out.dataset.reason = reason;
    out.textContent = (ok ? 'valid: ' : reason + ': ') + detail;
  }

  async function check() {
    var pinned = document.querySelector('meta[name="omni-public-key"]').content;
    try {
      var r = await verify(document.getElementById('proof-json').value, pinned);
      show(true, 'valid', 'checked in this browser: id, audit path to the root of checkpoint ' + r.seq
        + ', and its Ed25519 signature (position ' + r.position + ')');
    } catch (e) {
      if (e instanceof Failure) { show(false, e.reason, e.detail); } else { show(false, 'error', String(e)); }
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('verify-form').addEventListener('submit', async function (e) {
      e.preventDefault();
      var id = document.getElementById('verify-id').value.trim();
      var res = await fetch('/console/proof/' + encodeURIComponent(id), { credentials: 'same-origin' });
      var body = await res.text();
      if (!res.ok) { show(false, 'unavailable', body); return; }
      document.getElementById('proof-json').value = body;
      await check();
    });
    document.getElementById('verify-again').addEventListener('click', check);
  });
})();
