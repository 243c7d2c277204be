package changes

// FindVisible exposes findVisible to the API tests (package changes_test),
// which cross-check it against PocketBase's CanAccessRecord.
var FindVisible = findVisible
