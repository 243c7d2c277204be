// Every screen module (each exports `routes`). Each area adds ONE line per
// module at the end: `import * as x from './x.js'; add(x);` (merges are a
// union of lines). The router puts routes with fewer :params first and the
// not-found screen last, so the order here does not matter.
export const screens = [];
function add(mod) {
  screens.push(mod);
}

import * as auth from './auth.js'; add(auth);
import * as me from './me.js'; add(me);
import * as wants from './wants.js'; add(wants);
import * as swaps from './swaps.js'; add(swaps);
import * as feed from './feed.js'; add(feed);
import * as favourites from './favourites.js'; add(favourites);
import * as notifications from './notifications.js'; add(notifications);
import * as people from './people.js'; add(people);
import * as offers from './offers.js'; add(offers);
import * as offerForm from './offerForm.js'; add(offerForm);
import * as settings from './settings.js'; add(settings);
import * as wanted from './wanted.js'; add(wanted);
import * as threads from './threads.js'; add(threads);
import * as exchanges from './exchanges.js'; add(exchanges);
import * as reviews from './reviews.js'; add(reviews);
