package accounts

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// errGone is what someone trying to reach a deleted person is told.
const errGone = "This person has deleted their account."

// refuseMessageToDeleted stops new messages in a thread whose other side
// deleted their account: nobody would ever read them. (New threads and
// exchanges are stopped already: the placeholder's offers are closed.) A
// system message records an exchange's move, the one account deletion
// makes included, and goes through.
func refuseMessageToDeleted(e *core.RecordEvent) error {
	if e.Record.GetString(schema.MessageKind) == schema.MessageKindSystem {
		return e.Next()
	}
	thread, err := e.App.FindRecordById(schema.Threads, e.Record.GetString(schema.MessageThread))
	if err != nil {
		return e.Next() // the threads hooks report the missing thread
	}
	if anyDeleted(e.App, thread.GetString(schema.ThreadOwner), thread.GetString(schema.ThreadPeer)) {
		return validation.Errors{schema.MessageThread: validation.NewError("validation_deleted_user", errGone)}
	}
	return e.Next()
}

// refuseFollowOfDeleted stops anyone from following a placeholder, which
// would otherwise sit in their following list as if it were a person.
func refuseFollowOfDeleted(e *core.RecordEvent) error {
	if anyDeleted(e.App, e.Record.GetString(schema.FollowFollowee)) {
		return validation.Errors{schema.FollowFollowee: validation.NewError("validation_deleted_user", errGone)}
	}
	return e.Next()
}

// anyDeleted reports whether any of the users is a deleted-account
// placeholder; unknown ids are left to the relation's own validation.
func anyDeleted(app core.App, userIDs ...string) bool {
	for _, id := range userIDs {
		if id == "" {
			continue
		}
		if u, err := app.FindRecordById(schema.Users, id); err == nil && u.GetBool(schema.UserDeleted) {
			return true
		}
	}
	return false
}
