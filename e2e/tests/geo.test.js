// Listing offers near a point with PocketBase's geoDistance filter, through
// the records API as the apps use it.
//
// The records API can't sort by geoDistance (PocketBase v0.40 splits `sort`
// on commas and resolves only fields there), so "nearest first" is checked on
// the distances the filter itself selects: shrinking the radius drops the
// farthest offer first. Rate limits stay as shipped: 1 sign-up, 1 sign-in.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { client, haversineKm, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

// the point people search from: Notre-Dame de Paris
const here = { lon: 2.3499, lat: 48.853 };

const places = {
  hotelDeVille: { lon: 2.3522, lat: 48.8566 }, // ~0.4 km
  pantheon: { lon: 2.3464, lat: 48.8462 }, // ~0.8 km
  montmartre: { lon: 2.3431, lat: 48.8867 }, // ~3.8 km
  eiffel: { lon: 2.2945, lat: 48.8584 }, // ~4.1 km
  versailles: { lon: 2.1204, lat: 48.8049 }, // ~17.6 km
  lyon: { lon: 4.8357, lat: 45.764 }, // ~392 km
};

describe('offers near a point', () => {
  let server;
  let alice;
  let guest;
  const offers = {}; // place name -> offer

  const near = (pb, km) =>
    pb.collection('offers').getFullList({
      filter: pb.filter('geoDistance(location.lon, location.lat, {:lon}, {:lat}) < {:km}', { ...here, km }),
    });

  // the names of the places whose offers a result holds, nearest first
  const names = (list) =>
    list
      .map((o) => Object.keys(offers).find((k) => offers[k].id === o.id))
      .sort((a, b) => haversineKm(here, places[a]) - haversineKm(here, places[b]));

  before(async () => {
    server = await startServer();
    alice = await signUp(server.url, 'Alice');
    guest = client(server.url);
    for (const [name, location] of Object.entries(places)) {
      offers[name] = await alice.pb.collection('offers').create({
        owner: alice.user.id,
        title: `Bike near ${name}`,
        kind: 'give',
        status: 'active',
        location,
      });
    }
    // a draft right next to the search point: its owner sees it, nobody else
    offers.draft = await alice.pb.collection('offers').create({
      owner: alice.user.id,
      title: 'Draft bike',
      kind: 'give',
      status: 'draft',
      location: { lon: 2.35, lat: 48.8531 },
    });
    places.draft = offers.draft.location;
  });

  after(async () => {
    await server?.stop();
  });

  test('the offers are stored where they were put', async () => {
    for (const [name, o] of Object.entries(offers)) {
      assert.deepEqual(o.location, places[name], name);
    }
  });

  test('within 5 km: only the four Paris offers, for a guest', async () => {
    assert.deepEqual(names(await near(guest, 5)), ['hotelDeVille', 'pantheon', 'montmartre', 'eiffel']);
  });

  test('within 5 km, for the owner: her draft too', async () => {
    assert.deepEqual(names(await near(alice.pb, 5)), ['draft', 'hotelDeVille', 'pantheon', 'montmartre', 'eiffel']);
  });

  test('a smaller radius drops the farthest first', async () => {
    // the radii sit between the computed distances, so each step removes the
    // one offer that is farthest away
    const expected = [
      [20, ['hotelDeVille', 'pantheon', 'montmartre', 'eiffel', 'versailles']],
      [4, ['hotelDeVille', 'pantheon', 'montmartre']],
      [2, ['hotelDeVille', 'pantheon']],
      [0.6, ['hotelDeVille']],
      [0.1, []],
    ];
    for (const [km, want] of expected) {
      for (const name of want) {
        assert.ok(haversineKm(here, places[name]) < km, `test data: ${name} should be within ${km} km`);
      }
      assert.deepEqual(names(await near(guest, km)), want, `within ${km} km`);
    }
    assert.ok(haversineKm(here, places.eiffel) > 4 && haversineKm(here, places.montmartre) < 4);
  });

  test('the distance filter combines with other filters', async () => {
    const list = await guest.collection('offers').getFullList({
      filter: guest.filter('geoDistance(location.lon, location.lat, {:lon}, {:lat}) < {:km} && title ~ {:q}', {
        lon: here.lon,
        lat: here.lat,
        km: 1000,
        q: 'montmartre',
      }),
    });
    assert.deepEqual(names(list), ['montmartre']);
  });
});
