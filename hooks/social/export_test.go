package social

// FeedWith is the following feed with a window of the given size, so tests
// reach both of its plans with a few offers.
var FeedWith = feed

// FeedPlans returns SQLite's query plans of the feed's queries.
var FeedPlans = feedPlans
