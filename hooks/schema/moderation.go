package schema

// Moderation (hooks/moderation): reports that act, resolutions carried out by
// a hook, suspensions, offer expiry and the dashboard's moderation queue.

// ModerationQueue is the view of open reports grouped by target, newest
// first, for the dashboard (read-only).
const ModerationQueue = "moderation_queue"

// Reports fields of resolution: the action a superuser chooses (carried out
// by a hook, which closes every open report of the target) and who chose
// it (written by hooks).
const (
	ReportAction     = "action"
	ReportResolvedBy = "resolved_by"
)

// Report statuses.
const (
	ReportOpen      = "open"
	ReportResolved  = "resolved"
	ReportDismissed = "dismissed"
)

// Moderation actions a report can be resolved with.
const (
	ModDismiss = "dismiss"
	ModHide    = "hide"
	ModUnhide  = "unhide"
	ModDelete  = "delete"
	ModWarn    = "warn"
	ModBan     = "ban"
)

// ReportActions lists the values of reports.action.
var ReportActions = []string{ModDismiss, ModHide, ModUnhide, ModDelete, ModWarn, ModBan}

// UserSuspendedUntil is the date until which a person is suspended (empty:
// not suspended; a far date: for good). Superusers only write it.
const UserSuspendedUntil = "suspended_until"

// WantHidden marks a want hidden by moderation: others don't see it, and its
// owner can't undo it (written by hooks).
const WantHidden = "hidden"

// Offers fields of expiry (written by hooks): expired marks an offer closed
// because its time ran out (renewal reopens it); expiry_warned_at is when
// its owner was told it will expire soon.
const (
	OfferExpired        = "expired"
	OfferExpiryWarnedAt = "expiry_warned_at"
)

// Moderation queue fields.
const (
	QueueReports   = "reports"
	QueueReporters = "reporters"
	QueueReasons   = "reasons"
	QueueNewest    = "newest"
)
