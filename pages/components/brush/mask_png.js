// The brush's mask as a 1-bit greyscale PNG, in base64: a 2048² mask is a few kilobytes, where the canvas's own
// RGBA PNG is a few hundred and takes a visible moment to make. brush.js calls encodeMask; __init__.py puts this
// file in front of it, as one module.
const PAINTED = 128; // an alpha at least this high is painted: core/masks.py's THRESHOLD

async function encodeMask(ctx) {
  const { width: w, height: h } = ctx.canvas;
  const { data } = ctx.getImageData(0, 0, w, h);
  const stride = Math.ceil(w / 8) + 1; // a filter byte (0: none), then 8 pixels a byte, first pixel highest
  const rows = new Uint8Array(stride * h);
  let painted = 0;
  for (let y = 0, i = 3; y < h; y++) {
    const row = y * stride + 1;
    for (let x = 0; x < w; x++, i += 4) {
      if (data[i] >= PAINTED) {
        rows[row + (x >> 3)] |= 0x80 >> (x & 7);
        painted += 1;
      }
    }
  }
  const zipped = new Response(new Blob([rows]).stream().pipeThrough(new CompressionStream('deflate')));
  const idat = new Uint8Array(await zipped.arrayBuffer());
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, w);
  view.setUint32(4, h);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter method, no interlace
  const png = concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ]);
  return { png: base64(png), share: painted / (w * h) };
}

function chunk(type, body) {
  const out = new Uint8Array(body.length + 12);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

let CRC_TABLE = null;

function crc32(bytes) {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
