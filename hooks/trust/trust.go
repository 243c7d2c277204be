// Package trust keeps people safe from each other and from bad input: it
// turns rule failures into field-level errors a client can show, rejects
// writes to fields only hooks compute, stops contact between people when
// one has blocked the other (threads, messages, exchange requests), hides private profile fields from everyone but
// their owner, and keeps a snapshot of reported content for moderation.
package trust

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/schema"
)

// Config configures the trust capability.
type Config struct{}

// DefaultConfig returns the trust defaults.
func DefaultConfig() Config { return Config{} }

// Register binds the trust hooks.
func Register(app core.App, cfg Config) error {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:   "peerbaseTrustExplainRuleFailure",
			Func: explainRuleFailure,
		})
		return se.Next()
	})

	app.OnRecordCreateRequest().BindFunc(checkInput)
	app.OnRecordUpdateRequest().BindFunc(checkInput)

	app.OnRecordCreate(schema.Threads).BindFunc(checkOfferContactBlock(schema.ThreadPeer))
	app.OnRecordCreate(schema.Exchanges).BindFunc(checkOfferContactBlock(schema.ExchangeRequester))
	app.OnRecordCreate(schema.Messages).BindFunc(checkMessageBlock)

	app.OnRecordEnrich(schema.Users).BindFunc(showPrivateUserFieldsToSelf)
	app.OnRecordCreateRequest(schema.Users).BindFunc(takePrivateUserFieldsFromSelf)
	app.OnRecordUpdateRequest(schema.Users).BindFunc(takePrivateUserFieldsFromSelf)

	app.OnRecordCreateRequest(schema.Reports).BindFunc(snapshotReportTarget)
	app.OnRecordCreate(schema.Reports).BindFunc(openReport)
	return nil
}
