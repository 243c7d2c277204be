package schema

// Follower and following counts on users: how many people follow the user
// and how many the user follows, kept by the social hooks.
const (
	UserFollowersCount = "followers_count"
	UserFollowingCount = "following_count"
)

// Derived creations: the owner of the offer an offer is derived from,
// credited on the derived offer by the social hooks (it stays when the
// origin is later closed, hidden or deleted).
const OfferDerivedFromOwner = "derived_from_owner"

// OfferPublishedAt is when an offer was first published (left draft), set
// once by the social hooks: a published offer's origin is frozen, and its
// owner's followers hear of it once, even if it goes back to draft.
const OfferPublishedAt = "published_at"

// FollowJobsTable is a plain table (not a collection) of the offers whose
// followers the social worker has not all told yet: a row is written in
// the offer's own transaction and deleted when every follower was told.
const FollowJobsTable = "_peerbase_follow_jobs"

// Favourites: the offers a person saved to come back to, private to them.
// ClosingWarned is the expires_at of the offer the person was last warned
// about (a hidden field written by hooks), so a renewed offer warns again.
const (
	Favourites             = "favourites"
	FavouriteOwner         = "owner"
	FavouriteOffer         = "offer"
	FavouriteClosingWarned = "closing_warned"
)
