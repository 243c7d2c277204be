// Package trust keeps people safe from each other and from bad input: it
// turns rule failures into field-level errors a client can show, rejects
// wrongly typed values, badly shaped JSON and writes to fields only hooks
// compute, cleans every text people write of invisible and reordering
// characters, refuses sorts that would order people by hidden emails and
// origins (derived_from) the caller can't see, stops
// contact between people when one has blocked the other (threads, messages,
// exchange requests), keeps private profile fields to their owner,
// publishes reviews blind (both sides, or when the window closes) with the
// ratings they make, and keeps a snapshot of reported content for
// moderation.
package trust

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/schema"
)

// Config configures the trust capability.
type Config struct {
	// ReviewWindow is how long a review waits for the other side's before it
	// is published alone.
	ReviewWindow time.Duration
}

// DefaultConfig returns the trust defaults.
func DefaultConfig() Config { return Config{ReviewWindow: 14 * 24 * time.Hour} }

// Register binds the trust hooks.
func Register(app core.App, cfg Config) error {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:   "peerbaseTrustExplainRuleFailure",
			Func: explainRuleFailure,
		})
		return se.Next()
	})
	app.OnBatchRequest().BindFunc(explainBatchRuleFailure)

	app.OnRecordCreateRequest().BindFunc(checkInput)
	app.OnRecordUpdateRequest().BindFunc(checkInput)
	// bound before any other capability's model hooks (trust registers
	// first), so they all see cleaned text
	app.OnRecordCreate().BindFunc(cleanRecord)
	app.OnRecordUpdate().BindFunc(cleanRecord)
	app.OnRecordsListRequest().BindFunc(refuseEmailSort)
	app.OnRecordCreateRequest(schema.Offers).BindFunc(checkDerivedFrom)
	app.OnRecordUpdateRequest(schema.Offers).BindFunc(checkDerivedFrom)

	app.OnRecordCreate(schema.Threads).BindFunc(checkOfferContactBlock(schema.ThreadPeer))
	app.OnRecordCreate(schema.Exchanges).BindFunc(checkOfferContactBlock(schema.ExchangeRequester))
	app.OnRecordCreate(schema.Messages).BindFunc(checkMessageBlock)

	app.OnRecordEnrich(schema.Users).BindFunc(showPrivateUserFieldsToSelf)
	app.OnRecordCreateRequest(schema.Users).BindFunc(takePrivateUserFieldsFromSelf)
	app.OnRecordUpdateRequest(schema.Users).BindFunc(takePrivateUserFieldsFromSelf)

	app.OnRecordCreate(schema.Reviews).BindFunc(prepareReview)
	app.OnRecordDelete(schema.Reviews).BindFunc(refreshRatingOnDelete)
	app.OnRecordUpdate(schema.Reviews).BindFunc(keepPublishedReview)
	app.Cron().MustAdd("peerbaseReviewsPublish", "17 * * * *", func() {
		if n, err := PublishDue(app, cfg.ReviewWindow, time.Now()); err != nil {
			app.Logger().Error("trust: failed to publish the reviews due", "error", err)
		} else if n > 0 {
			app.Logger().Info("trust: published reviews whose window closed", "count", n)
		}
	})

	app.OnRecordCreateRequest(schema.Reports).BindFunc(snapshotReportTarget)
	app.OnRecordCreate(schema.Reports).BindFunc(openReport)
	return nil
}
