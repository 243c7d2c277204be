// Every area's strings, merged into { en: {...}, fr: {...} }. Each area adds
// ONE line at the end: `import x from './x.js'; add(x);` (merges are a union
// of lines).
const strings = { en: {}, fr: {} };
function add(area) {
  Object.assign(strings.en, area.en);
  Object.assign(strings.fr, area.fr);
}
export default strings;

import app from './app.js'; add(app);
import auth from './auth.js'; add(auth);
import me from './me.js'; add(me);
import wants from './wants.js'; add(wants);
import offers from './offers.js'; add(offers);
import settings from './settings.js'; add(settings);
import wanted from './wanted.js'; add(wanted);
import threads from './threads.js'; add(threads);
import exchanges from './exchanges.js'; add(exchanges);
import reviews from './reviews.js'; add(reviews);
import report from './report.js'; add(report);
