// Photos through the official SDK: a phone photo with GPS and a rotation tag
// comes back upright with no metadata, every declared thumb exists on disk
// before anyone asks for it and is served at once, the record carries
// width/height/blurhash/color, and images that would be dangerous to decode
// are refused with a field-level 400 and leave nothing behind.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';

import { adminClient, count, fieldError, rejects, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const fixtures = new URL('../fixtures/', import.meta.url);

/** exifSegment builds an APP1 EXIF segment: orientation 6 and a GPS latitude. */
function exifSegment() {
  const tiff = Buffer.alloc(92);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0
  // IFD0: Orientation = 6, GPSInfo -> 38
  tiff.writeUInt16LE(2, 8);
  tiff.writeUInt16LE(0x0112, 10); tiff.writeUInt16LE(3, 12); tiff.writeUInt32LE(1, 14); tiff.writeUInt16LE(6, 18);
  tiff.writeUInt16LE(0x8825, 22); tiff.writeUInt16LE(4, 24); tiff.writeUInt32LE(1, 26); tiff.writeUInt32LE(38, 30);
  tiff.writeUInt32LE(0, 34);
  // GPS IFD: GPSLatitudeRef = "N", GPSLatitude -> 68 (45/1, 45/1, 3600/100)
  tiff.writeUInt16LE(2, 38);
  tiff.writeUInt16LE(0x0001, 40); tiff.writeUInt16LE(2, 42); tiff.writeUInt32LE(2, 44); tiff.write('N\0', 48, 'latin1');
  tiff.writeUInt16LE(0x0002, 52); tiff.writeUInt16LE(5, 54); tiff.writeUInt32LE(3, 56); tiff.writeUInt32LE(68, 60);
  tiff.writeUInt32LE(0, 64);
  [45, 1, 45, 1, 3600, 100].forEach((v, i) => tiff.writeUInt32LE(v, 68 + i * 4));

  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** phonePhoto is the landscape fixture as a phone writes it: EXIF right after SOI. */
function phonePhoto() {
  const jpeg = readFileSync(new URL('landscape.jpg', fixtures));
  return Buffer.concat([jpeg.subarray(0, 2), exifSegment(), jpeg.subarray(2)]);
}

/** jpegSize reads width and height from a JPEG's SOF segment. */
function jpegSize(buf) {
  let i = 2;
  while (i + 9 < buf.length) {
    assert.equal(buf[i], 0xff, 'JPEG marker expected');
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('no SOF segment');
}

/** bombPNG is a 100-byte PNG whose header declares 50000×50000 pixels. */
function bombPNG() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50000, 0);
  ihdr.writeUInt32BE(50000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('photos', () => {
  let server;
  let admin;
  let alice;

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    alice = await signUp(server.url, 'Alice');
  });

  after(async () => {
    await server?.stop();
  });

  const newOffer = (photos) => {
    const form = new FormData();
    form.append('owner', alice.user.id);
    form.append('title', 'Folding bike');
    form.append('kind', 'sell');
    form.append('status', 'active');
    for (const [name, bytes, type] of photos) {
      form.append('photos', new Blob([bytes], { type }), name);
    }
    return alice.pb.collection('offers').create(form);
  };

  test('a phone photo is stored upright, without EXIF or GPS, with its thumbs already made', async () => {
    const upload = phonePhoto();
    assert.ok(upload.includes(Buffer.from('Exif\0\0', 'latin1')), 'the fixture carries EXIF');

    const offer = await newOffer([['IMG_0042.jpg', upload, 'image/jpeg']]);
    assert.equal(offer.photos.length, 1);
    const name = offer.photos[0];

    // metadata for mobile lists, written by the hooks
    const meta = offer.photo_meta?.[name];
    assert.ok(meta, `photo_meta has an entry for ${name}: ${JSON.stringify(offer.photo_meta)}`);
    assert.deepEqual([meta.width, meta.height], [480, 640], 'meta describes the upright picture');
    assert.match(meta.blurhash, /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
    assert.match(meta.color, /^#[0-9a-f]{6}$/);

    // the thumbs are on disk before any ?thumb= request
    const dir = join(server.dataDir, 'storage', offer.collectionId, offer.id, `thumbs_${name}`);
    assert.ok(existsSync(dir), `thumbs folder ${dir} exists right after the create`);
    const written = readdirSync(dir).filter((f) => !f.endsWith('.attrs')).sort();
    assert.deepEqual(written, ['100x100', '1024x0', '240x240', '480x0'].map((s) => `${s}_${name}`).sort());

    // the served original: upright, no EXIF, no GPS
    const original = Buffer.from(await (await fetch(alice.pb.files.getURL(offer, name))).arrayBuffer());
    assert.deepEqual(jpegSize(original), { width: 480, height: 640 }, 'the rotation is baked into the pixels');
    assert.equal(original.includes(Buffer.from('Exif', 'latin1')), false, 'no EXIF left');
    assert.equal(original.subarray(0, 2).toString('hex'), 'ffd8');

    // each declared thumb is served through the SDK's URL, as a web format
    for (const [thumb, size] of [['240x240', { width: 240, height: 240 }], ['100x100', { width: 100, height: 100 }],
      ['480x0', { width: 480, height: 640 }]]) {
      const res = await fetch(alice.pb.files.getURL(offer, name, { thumb }));
      assert.equal(res.status, 200, `thumb ${thumb}`);
      assert.equal(res.headers.get('content-type'), 'image/jpeg', `thumb ${thumb}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.deepEqual(jpegSize(bytes), size, `thumb ${thumb} size`);
      assert.deepEqual(bytes, readFileSync(join(dir, `${thumb}_${name}`)), `thumb ${thumb} is the pre-written file`);
    }
  });

  test('images that are dangerous or lie about themselves are refused and nothing is stored', async () => {
    const cases = [
      ['a PNG that declares 50000×50000', ['huge.png', bombPNG(), 'image/png'], 'validation_image_too_large'],
      ['a text file named .jpg', ['notes.jpg', Buffer.from('just some text, not a picture\n'), 'image/jpeg'], 'validation_invalid_mime_type'],
      ['a truncated JPEG', ['cut.jpg', phonePhoto().subarray(0, 700), 'image/jpeg'], null],
      ['a PNG named .jpg', ['fake.jpg', bombPNG(), 'image/jpeg'], 'validation_image_name_mismatch'],
    ];
    for (const [what, file, code] of cases) {
      const offersBefore = await count(admin, 'offers');
      const err = await rejects(newOffer([file]), 400, what);
      const item = fieldError(err, 'photos', what);
      if (code) {
        assert.equal(item.code, code, `${what}: ${JSON.stringify(item)}`);
      }
      const base = file[0].split('.')[0];
      assert.ok(item.message.includes(base), `${what}: the message names the file: ${item.message}`);
      assert.equal(await count(admin, 'offers'), offersBefore, `${what}: an offer was created`);
    }
    // no file of a refused upload reached the storage
    const offersCollection = await admin.collections.getOne('offers');
    const storage = join(server.dataDir, 'storage', offersCollection.id);
    const stored = existsSync(storage) ? readdirSync(storage) : [];
    assert.equal(stored.length, 1, `only the first test's offer has files: ${stored}`);
  });
});
