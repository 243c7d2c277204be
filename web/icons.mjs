// Draws the app icons as PNGs into static/icons/ (run by hand: npm run icons;
// the output is committed). The design is the one of static/icons/icon.svg:
// two overlapping rings, two peers, white on the brand green. No image
// library: pixels are computed (4x4 supersampled) and written with zlib.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), 'static', 'icons');
mkdirSync(out, { recursive: true });

const BG = [0x0b, 0x6b, 0x5a]; // --brand
const FG = [0xff, 0xff, 0xff];

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// shape(x, y) in unit coordinates (0..1): 'bg', 'fg' or null (transparent).
function icon(size, { maskable }) {
  const pad = maskable ? 0.2 : 0.12; // maskable icons keep the art in the safe zone
  const radius = maskable ? 0 : 0.22;
  const s = (1 - 2 * pad) / 0.76; // the art spans 0.76 units of the svg's own box
  const rings = [
    { cx: 0.38, cy: 0.5 },
    { cx: 0.62, cy: 0.5 },
  ];
  const shape = (x, y) => {
    if (!maskable) {
      const dx = Math.max(radius - x, 0, x - (1 - radius));
      const dy = Math.max(radius - y, 0, y - (1 - radius));
      if (dx * dx + dy * dy > radius * radius) return null;
    }
    for (const r of rings) {
      const d = Math.hypot((x - r.cx) / s, (y - r.cy) / s) * 0.76;
      if (d > 0.19 * 0.76 && d < 0.26 * 0.76) return 'fg';
    }
    return 'bg';
  };
  const buf = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const k = shape((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size);
          if (!k) continue;
          const c = k === 'fg' ? FG : BG;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const i = (y * size + x) * 4;
      if (a) {
        buf[i] = Math.round(r / a);
        buf[i + 1] = Math.round(g / a);
        buf[i + 2] = Math.round(b / a);
        buf[i + 3] = Math.round((255 * a) / (n * n));
      }
    }
  }
  return png(size, buf);
}

for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true],
]) {
  writeFileSync(join(out, name), icon(size, { maskable }));
  console.log(`static/icons/${name}`);
}
