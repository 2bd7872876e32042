'use strict';
// Reads a V8 .cpuprofile (from `node --cpu-prof`) and says where the time of a window went.
// Sample timestamps and process.hrtime() share the monotonic clock, so the bench driver's hrStart
// / hrEnd (µs) cut the sequential A run out of the whole process's profile.

/** Who a frame belongs to, from its script URL. */
function category(frame) {
  const url = frame.url || '';
  const name = frame.functionName;
  if (!url) {
    if (name === '(idle)') return 'idle';
    if (name === '(garbage collector)') return 'GC';
    if (name === '(program)') return 'V8/native (program)';
    if (name === '(root)') return 'root';
    return 'V8/native builtins';
  }
  if (url.includes('/@nr-mstock/node-red-mstock/')) return 'this package';
  if (/\/node_modules\/axios\//.test(url)) return 'axios';
  if (/\/node_modules\/(form-data|proxy-from-env|follow-redirects|combined-stream|mime-types|asynckit)\//.test(url)) return 'axios deps';
  if (url.includes('/@node-red/runtime/')) return 'Node-RED runtime';
  if (url.includes('/@node-red/util/')) return 'Node-RED util';
  if (url.includes('/@node-red/registry/')) return 'Node-RED registry';
  if (url.includes('/@node-red/editor-api/') || /\/node_modules\/(express|ws|body-parser|router)\//.test(url)) return 'Node-RED editor/http';
  if (url.includes('/@node-red/nodes/')) return 'Node-RED core nodes';
  if (url.includes('/bench/')) return 'bench nodes';
  if (/^node:(internal\/)?(_http|http|net|stream|streams|dns|url|internal\/url|buffer|events|timers|async_hooks|internal\/timers|internal\/streams|internal\/http|internal\/async_hooks|internal\/process\/task_queues)/.test(url)) {
    return 'Node.js core';
  }
  if (url.startsWith('node:')) return 'Node.js core';
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return m ? `other: ${m[1]}` : 'other';
}

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  return url.replace(/^file:\/\//, '').replace(/^.*\/bench\//, 'bench/');
}

function frameLabel(frame) {
  const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

/**
 * @param {object} profile parsed .cpuprofile
 * @param {object} o
 * @param {Array<{ startUs: number, endUs: number }>} [o.windows] the parts of the profile to look at (all when absent)
 * @param {number} [o.messages] messages handled in the windows, for the per-message figures
 * @param {Record<string, RegExp>} [o.keyFrames] inclusive time of stacks with a frame matching each pattern
 *   (matched against "functionName url:line")
 */
function analyse(profile, { windows, messages = 1, keyFrames = {} } = {}) {
  const inWindow = (t) => !windows || windows.some((w) => t >= w.startUs && t <= w.endUs);
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children || []) parent.set(child, node.id);
  }
  const samples = profile.samples;
  const deltas = profile.timeDeltas;
  const times = new Array(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i];
    times[i] = t;
  }
  const selfByCategory = new Map();
  const selfByFrame = new Map();
  const inclusiveByCategory = new Map();
  const ownerByCategory = new Map();
  const inclusiveByFrame = new Map();
  const keyFrameUs = new Map(Object.keys(keyFrames).map((k) => [k, 0]));
  const keyFrameEntries = Object.entries(keyFrames);
  let windowUs = 0;
  let busyUs = 0;
  let first = Infinity;
  let last = -Infinity;
  const add = (map, key, v) => map.set(key, (map.get(key) || 0) + v);
  for (let i = 0; i < samples.length; i++) {
    if (!inWindow(times[i])) continue;
    const dur = i + 1 < samples.length ? times[i + 1] - times[i] : 0;
    first = Math.min(first, times[i]);
    last = Math.max(last, times[i]);
    windowUs += dur;
    const leaf = byId.get(samples[i]);
    const leafCat = category(leaf.callFrame);
    add(selfByCategory, leafCat, dur);
    if (leafCat !== 'idle') {
      busyUs += dur;
      add(selfByFrame, frameLabel(leaf.callFrame), dur);
    }
    // inclusive: every category / frame on the stack counts once for this sample
    const seenCat = new Set();
    const seenFrame = new Set();
    let owner;
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id).callFrame;
      const cat = category(frame);
      seenCat.add(cat);
      seenFrame.add(frameLabel(frame));
      // the "owner" is the nearest library/application frame above Node.js core and V8
      if (owner === undefined && !/^(Node\.js core|V8\/native|root)/.test(cat)) owner = cat;
    }
    for (const cat of seenCat) add(inclusiveByCategory, cat, dur);
    for (const f of seenFrame) add(inclusiveByFrame, f, dur);
    for (const [key, pattern] of keyFrameEntries) {
      for (const f of seenFrame) {
        if (pattern.test(f)) {
          add(keyFrameUs, key, dur);
          break;
        }
      }
    }
    add(ownerByCategory, owner ?? leafCat, dur);
  }
  const perMsg = (us) => us / messages;
  const table = (map, limit = Infinity) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, us]) => ({ key, us, usPerMsg: perMsg(us), shareOfBusy: busyUs ? us / busyUs : 0 }));
  return {
    sampleSpanUs: last - first,
    windowUs,
    busyUs,
    idleUs: windowUs - busyUs,
    messages,
    busyUsPerMsg: perMsg(busyUs),
    selfByCategory: table(selfByCategory),
    ownerByCategory: table(ownerByCategory),
    inclusiveByCategory: table(inclusiveByCategory),
    topSelfFrames: table(selfByFrame, 30),
    topInclusiveFrames: table(inclusiveByFrame, 60),
    keyFrames: [...keyFrameUs.entries()].map(([key, us]) => ({ key, us, usPerMsg: perMsg(us), shareOfBusy: busyUs ? us / busyUs : 0 })),
  };
}

module.exports = { analyse, category };
