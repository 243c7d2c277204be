package moderation

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Suspended tells whether user is suspended at now.
func Suspended(user *core.Record, now time.Time) bool {
	until := user.GetDateTime(schema.UserSuspendedUntil)
	return !until.IsZero() && until.Time().After(now)
}

// refreshTokenOnSuspend makes every token of a person who gets suspended
// stop working at once: a new token key invalidates the old tokens, and
// the auth rule refuses new ones until the suspension ends.
func (s *service) refreshTokenOnSuspend(e *core.RecordEvent) error {
	if e.Record.GetDateTime(schema.UserSuspendedUntil).String() != e.Record.Original().GetDateTime(schema.UserSuspendedUntil).String() &&
		Suspended(e.Record, s.now()) {
		e.Record.RefreshTokenKey()
	}
	return e.Next()
}

// refuseSuspended answers any request made with a suspended person's token
// (one minted after the suspension, by impersonation or by Go code) with a
// 401: a suspended person neither posts, messages, requests nor reads as
// themself.
func (s *service) refuseSuspended(e *core.RequestEvent) error {
	if e.Auth != nil && e.Auth.Collection().Name == schema.Users && Suspended(e.Auth, s.now()) {
		return e.UnauthorizedError("This account is suspended.", nil)
	}
	return e.Next()
}
