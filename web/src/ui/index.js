// Every shared UI piece in one import for screens of any area:
//   import { offerCard, avatar, photoUrl, timeAgo, priceLabel, emptyState, spinner, dialog } from '../ui/index.js';
export { avatar, displayName, photoUrl, timeAgo, timeEl, priceLabel, distanceLabel, emptyState, spinner } from './common.js';
export { offerCard, photoBox, photoMeta, blurhashCanvas, highlightNodes } from './offerCard.js';
export { dialog, confirmDialog } from './dialog.js';
export { field, formError, showErrors, clearErrors, busy } from './form.js';
export { categories, categorySelect, descendants } from './categories.js';
export { getPlace, setPlace, parsePlace, placePicker, nearParam, currentPosition, CITIES } from './place.js';
