// Package schema holds the names of Peerbase's collections, fields and select
// values in one place, so that migrations, hooks and tests never spell them
// twice, and the tables of which fields are computed by hooks and which field
// names the acting user of a record.
package schema

// Collection names.
const (
	Users             = "users"
	Categories        = "categories"
	Offers            = "offers"
	Wants             = "wants"
	Matches           = "matches"
	Threads           = "threads"
	Messages          = "messages"
	Exchanges         = "exchanges"
	Reviews           = "reviews"
	Reports           = "reports"
	Blocks            = "blocks"
	Follows           = "follows"
	ModerationLog     = "moderation_log"
	PushSubscriptions = "push_subscriptions"
	PushDeliveries    = "push_deliveries"
)

// Field names shared by several collections.
const (
	FieldID       = "id"
	FieldCreated  = "created"
	FieldUpdated  = "updated"
	FieldOwner    = "owner"
	FieldLocation = "location"
	FieldStatus   = "status"
	FieldKind     = "kind"
	FieldCategory = "category"
)

// Users fields (besides PocketBase's own email, password, verified, name, avatar).
const (
	UserName        = "name"
	UserAvatar      = "avatar"
	UserAvatarMeta  = "avatar_meta"
	UserBio         = "bio"
	UserAccountType = "account_type"
	UserLocale      = "locale"
	UserTimezone    = "timezone"
	UserRatingAvg   = "rating_avg"
	UserRatingCount = "rating_count"
	UserNotify      = "notify_prefs"
	UserQuietStart  = "quiet_start"
	UserQuietEnd    = "quiet_end"
)

// Deleted accounts: a deleted person's side of shared history (threads,
// messages, exchanges, reviews, reports) moves to a placeholder users record
// marked deleted, which can never sign in and is left out of users lists;
// the messages they wrote are emptied and marked deleted.
const (
	UserDeleted    = "deleted"
	MessageDeleted = "deleted"
)

// Account types.
const (
	AccountPerson   = "person"
	AccountBusiness = "business"
)

// Categories fields.
const (
	CategoryName   = "name"
	CategorySlug   = "slug"
	CategoryParent = "parent"
	CategoryIcon   = "icon"
	CategorySort   = "sort"
)

// Offers fields.
const (
	OfferTitle         = "title"
	OfferDescription   = "description"
	OfferTags          = "tags"
	OfferPrice         = "price"
	OfferCurrency      = "currency"
	OfferPriceUnit     = "price_unit"
	OfferWantsInReturn = "wants_in_return"
	OfferPhotos        = "photos"
	OfferPhotoMeta     = "photo_meta"
	OfferFiles         = "files"
	OfferExpiresAt     = "expires_at"
	OfferDerivedFrom   = "derived_from"
)

// Offer kinds.
const (
	KindLend       = "lend"
	KindRent       = "rent"
	KindSell       = "sell"
	KindGive       = "give"
	KindSwap       = "swap"
	KindService    = "service"
	KindExperience = "experience"
)

// OfferKinds lists every offer kind in the order the apps show them.
var OfferKinds = []string{KindLend, KindRent, KindSell, KindGive, KindSwap, KindService, KindExperience}

// Offer statuses.
const (
	StatusDraft    = "draft"
	StatusActive   = "active"
	StatusReserved = "reserved"
	StatusClosed   = "closed"
	StatusHidden   = "hidden"
)

// OfferStatuses lists every offer status.
var OfferStatuses = []string{StatusDraft, StatusActive, StatusReserved, StatusClosed, StatusHidden}

// Price units.
var PriceUnits = []string{"item", "hour", "day", "week"}

// Wants fields.
const (
	WantQuery    = "query"
	WantKinds    = "kinds"
	WantMaxPrice = "max_price"
	WantRadiusKm = "radius_km"
	WantPublic   = "public"
	WantActive   = "active"
	WantAlert    = "alert"
)

// Want alert modes.
var AlertModes = []string{"instant", "daily", "off"}

// Matches fields.
const (
	MatchRecipient   = "recipient"
	MatchWant        = "want"
	MatchOffer       = "offer"
	MatchCycle       = "cycle"
	MatchScore       = "score"
	MatchExplanation = "explanation"
	MatchSeen        = "seen"
)

// Match kinds.
var MatchKinds = []string{"want", "swap-2", "swap-3"}

// Threads fields.
const (
	ThreadOffer         = "offer"
	ThreadOwner         = "owner"
	ThreadPeer          = "peer"
	ThreadLastMessage   = "last_message"
	ThreadLastMessageAt = "last_message_at"
	ThreadOwnerReadAt   = "owner_read_at"
	ThreadPeerReadAt    = "peer_read_at"
	ThreadOwnerUnread   = "owner_unread"
	ThreadPeerUnread    = "peer_unread"
)

// Messages fields.
const (
	MessageThread         = "thread"
	MessageAuthor         = "author"
	MessageBody           = "body"
	MessageAttachments    = "attachments"
	MessageAttachmentMeta = "attachment_meta"
	MessageRetracted      = "retracted"
)

// Exchanges fields.
const (
	ExchangeOffer       = "offer"
	ExchangeOwner       = "owner"
	ExchangeRequester   = "requester"
	ExchangeThread      = "thread"
	ExchangeState       = "state"
	ExchangeStart       = "start"
	ExchangeEnd         = "end"
	ExchangeAgreedPrice = "agreed_price"
	ExchangeHistory     = "history"
)

// Exchanges fields of completion: each side's confirmation and when the
// exchange entered its current state (written by hooks only).
const (
	ExchangeOwnerConfirmedAt     = "owner_confirmed_at"
	ExchangeRequesterConfirmedAt = "requester_confirmed_at"
	ExchangeStateChangedAt       = "state_changed_at"
)

// Exchange states.
const (
	StateRequested  = "requested"
	StateAccepted   = "accepted"
	StateDeclined   = "declined"
	StateCancelled  = "cancelled"
	StateHandedOver = "handed_over"
	StateReturned   = "returned"
	StateCompleted  = "completed"
	StateDisputed   = "disputed"
)

// ExchangeStates lists every exchange state.
var ExchangeStates = []string{StateRequested, StateAccepted, StateDeclined, StateCancelled, StateHandedOver,
	StateReturned, StateCompleted, StateDisputed}

// Reviews fields.
const (
	ReviewExchange  = "exchange"
	ReviewAuthor    = "author"
	ReviewSubject   = "subject"
	ReviewRating    = "rating"
	ReviewText      = "text"
	ReviewReply     = "reply"
	ReviewPublished = "published"
)

// Reports fields.
const (
	ReportReporter   = "reporter"
	ReportTargetColl = "target_collection"
	ReportTargetID   = "target_id"
	ReportReason     = "reason"
	ReportNote       = "note"
	ReportSnapshot   = "snapshot"
	ReportStatus     = "status"
	ReportResolution = "resolution"
)

// Report reasons and statuses.
var (
	ReportReasons       = []string{"spam", "scam", "prohibited", "offensive", "harassment", "other"}
	ReportStatuses      = []string{"open", "resolved", "dismissed"}
	ReportableTargets   = []string{Offers, Users, Messages, Wants, Reviews}
	ModerationActions   = []string{"hide", "unhide", "delete", "warn", "ban", "resolve", "dismiss", "note"}
	PushUrgencies       = []string{"very-low", "low", "normal", "high"}
	PushDeliveryStatues = []string{"pending", "sent", "failed", "gone"}
)

// Blocks and follows fields.
const (
	BlockBlocker   = "blocker"
	BlockBlocked   = "blocked"
	FollowFollower = "follower"
	FollowFollowee = "followee"
)

// Moderation log fields.
const (
	ModActor      = "actor"
	ModAction     = "action"
	ModTargetColl = "target_collection"
	ModTargetID   = "target_id"
	ModNote       = "note"
	ModData       = "data"
)

// Push subscription fields.
const (
	SubUser          = "user"
	SubEndpoint      = "endpoint"
	SubP256dh        = "p256dh"
	SubAuth          = "auth"
	SubUserAgent     = "user_agent"
	SubLastSuccessAt = "last_success_at"
	SubFailures      = "failures"
)

// Push delivery fields.
const (
	DeliverySubscription = "subscription"
	DeliveryPayload      = "payload"
	DeliveryTopic        = "topic"
	DeliveryUrgency      = "urgency"
	DeliveryTTL          = "ttl"
	DeliveryAttempts     = "attempts"
	DeliveryNextAttempt  = "next_attempt_at"
	DeliveryStatus       = "status"
	DeliveryLastError    = "last_error"
)

// ActorFields names, per collection, the relation field that must equal the
// authenticated user on create and may never change afterwards.
var ActorFields = map[string]string{
	Offers:            FieldOwner,
	Wants:             FieldOwner,
	Threads:           ThreadPeer,
	Messages:          MessageAuthor,
	Exchanges:         ExchangeRequester,
	Reviews:           ReviewAuthor,
	Reports:           ReportReporter,
	Blocks:            BlockBlocker,
	Follows:           FollowFollower,
	PushSubscriptions: SubUser,
}

// ComputedFields names, per collection, the fields that only hooks (and
// superusers) write: a client request that sets one gets a 400.
var ComputedFields = map[string][]string{
	Users:    {UserRatingAvg, UserRatingCount, UserAvatarMeta, UserDeleted, UserSuspendedUntil, UserFollowersCount, UserFollowingCount},
	Offers:   {OfferPhotoMeta, OfferExpired, OfferExpiryWarnedAt, OfferDerivedFromOwner, OfferPublishedAt},
	Wants:    {WantHidden},
	Threads:  {ThreadOwner, ThreadLastMessage, ThreadLastMessageAt, ThreadOwnerReadAt, ThreadPeerReadAt, ThreadOwnerUnread, ThreadPeerUnread},
	Messages: {MessageAttachmentMeta, MessageRetracted, MessageDeleted, MessageKind, MessageEvent},
	Exchanges: {ExchangeOwner, ExchangeHistory, ExchangeOwnerConfirmedAt, ExchangeRequesterConfirmedAt, ExchangeStateChangedAt,
		ExchangeResolutionNote, ExchangeSwap, ExchangeDownloads},
	Reviews:           {ReviewSubject, ReviewPublished},
	Reports:           {ReportSnapshot, ReportStatus, ReportResolution, ReportAction, ReportResolvedBy},
	Matches:           {MatchRecipient, FieldKind, MatchWant, MatchOffer, MatchCycle, MatchScore, MatchExplanation, MatchCycleKey},
	PushSubscriptions: {SubLastSuccessAt, SubFailures},
	Notifications: {NotificationUser, NotificationType, NotificationTitle, NotificationText, NotificationLink,
		NotificationData},
}

// PrivateUserFields are the users fields that only the user themself and
// superusers may read; everyone else gets the record without them.
var PrivateUserFields = []string{FieldLocation, UserLocale, UserTimezone, UserNotify, UserQuietStart, UserQuietEnd}

// ImageMimeTypes are the image formats accepted by every image field.
var ImageMimeTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif"}

// Thumb sizes declared on the image fields (PocketBase adds 100x100 itself).
var (
	OfferPhotoThumbs       = []string{"1024x0", "480x0", "240x240"}
	AvatarThumbs           = []string{"256x256", "64x64"}
	AttachmentThumbs       = []string{"480x0"}
	MaxImageBytes    int64 = 20 << 20
)

// ImageMetaFields names, per collection and image field, the JSON field
// where the photos hooks keep each image's width, height, blurhash and
// color, keyed by file name.
var ImageMetaFields = map[string]map[string]string{
	Users:    {UserAvatar: UserAvatarMeta},
	Offers:   {OfferPhotos: OfferPhotoMeta},
	Messages: {MessageAttachments: MessageAttachmentMeta},
}

// Notification types: the keys of users.notify_prefs, each set to true or
// false (a missing key means the default, on).
const (
	NotifyMessage    = "message"
	NotifyMatch      = "match"
	NotifyExchange   = "exchange"
	NotifyReview     = "review"
	NotifyModeration = "moderation"
	NotifyDigest     = "digest"
	NotifyFollow     = "follow"
	NotifyExpiry     = "expiry"
)

// NotifyTypes lists every notification type a user can turn on or off.
var NotifyTypes = []string{NotifyMessage, NotifyMatch, NotifyExchange, NotifyReview, NotifyModeration,
	NotifyDigest, NotifyFollow, NotifyExpiry, NotifySwap, NotifyDerived, NotifyFavourite, NotifyLedger}

// Limits of offers.tags: a list of at most MaxTags strings of 1 to
// MaxTagLength characters.
const (
	MaxTags      = 20
	MaxTagLength = 40
)

// MultilineTextFields names, per collection, the text fields where a line
// break or a tab is part of the text; in every other text field they
// become spaces.
var MultilineTextFields = map[string][]string{
	Users:         {UserBio},
	Offers:        {OfferDescription, OfferWantsInReturn},
	Messages:      {MessageBody},
	Reviews:       {ReviewText, ReviewReply},
	Reports:       {ReportNote, ReportResolution},
	ModerationLog: {ModNote},
	Exchanges:     {ExchangeResolutionNote},
}

// The change log of catch-up sync (hooks/changes): one row per recipient and
// record, moved to the record's latest change; superusers only.
const (
	ChangeLog        = "change_log"
	ChangeRecipient  = "recipient"
	ChangeSeq        = "seq"
	ChangeCollection = "record_collection"
	ChangeRecordID   = "record_id"
	ChangeAction     = "action"
	ChangeAt         = "at"
	// ChangeSeqTable is a plain one-row table (not a collection) holding the
	// last sequence number handed out and the highest one pruned.
	ChangeSeqTable = "_peerbase_change_seq"
)

// Change log actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// ChangeActions lists every change log action.
var ChangeActions = []string{ActionCreate, ActionUpdate, ActionDelete}

// Matching: the want's price currency and unit, a match's dismissal, and
// the durable queue of offers waiting to be matched.
const (
	WantCurrency   = "currency"
	WantPriceUnit  = "price_unit"
	MatchDismissed = "dismissed"
	MatchJobs      = "match_jobs"
	MatchJobOffer  = "offer"
	MatchJobRev    = "rev"
	MatchJobTries  = "attempts"
	MatchJobError  = "last_error"
	MatchKindWant  = "want"
)

// Swap matches: the identity of a cycle, unique per recipient.
const (
	MatchCycleKey  = "cycle_key"
	MatchKindSwap2 = "swap-2"
	MatchKindSwap3 = "swap-3"
)

// System messages: a message's kind says whether a person wrote it or the
// server did (an exchange moved); a system message carries its event as
// JSON ({"exchange", "from", "to", "by"}) for each app to render in its
// reader's language. Both fields are written by hooks only.
const (
	MessageKind       = "kind"
	MessageEvent      = "event"
	MessageKindUser   = "user"
	MessageKindSystem = "system"
)

// ExchangeResolutionNote is the superuser-only note that settles a dispute
// (a hidden field: only superusers read and write it).
const ExchangeResolutionNote = "resolution_note"

// Availability blocks: date ranges when the owner of a lend or rent offer
// doesn't lend it, half-open [start, end), whole days of the owner's time
// zone. No reason is kept: others only see that the days are busy.
const (
	AvailabilityBlocks = "availability_blocks"
	AvailabilityOffer  = "offer"
	AvailabilityStart  = "start"
	AvailabilityEnd    = "end"
)

// Notifications: a person's notification centre (hooks/notify). Types are
// the users.notify_prefs keys a notification can be switched off by.
const (
	Notifications     = "notifications"
	NotificationUser  = "user"
	NotificationType  = "type"
	NotificationTitle = "title"
	NotificationText  = "text"
	NotificationLink  = "link"
	NotificationData  = "data"
	NotificationRead  = "read"
)

// Notification types besides NotifyTypes' match, exchange, review,
// moderation, digest, follow and expiry (a new message is never a
// notification: threads and their unread counts are its centre).
const (
	NotifySwap      = "swap"
	NotifyDerived   = "derived"
	NotifyFavourite = "favourite"
	NotifyLedger    = "ledger"
)

// NotificationTypes lists the values of notifications.type.
var NotificationTypes = []string{NotifyMatch, NotifySwap, NotifyExchange, NotifyReview, NotifyModeration,
	NotifyDigest, NotifyFollow, NotifyExpiry, NotifyDerived, NotifyFavourite, NotifyLedger}
