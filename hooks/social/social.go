// Package social holds people's profiles and the ties between them: it
// validates what a profile says about its owner (time zone, quiet hours).
package social

import (
	"time"
	_ "time/tzdata" // time zones resolve on machines without a zoneinfo database

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Config configures the social capability.
type Config struct{}

// DefaultConfig returns the social defaults.
func DefaultConfig() Config { return Config{} }

// Register binds the social hooks.
func Register(app core.App, cfg Config) error {
	app.OnRecordValidate(schema.Users).BindFunc(func(e *core.RecordEvent) error {
		if errs := ValidateProfile(e.Record.GetString(schema.UserTimezone),
			e.Record.GetString(schema.UserQuietStart), e.Record.GetString(schema.UserQuietEnd)); len(errs) > 0 {
			return errs
		}
		return e.Next()
	})
	return nil
}

// ValidateProfile checks that a time zone is a known IANA name and that
// quiet hours are given as a pair (the fields' patterns check the format).
func ValidateProfile(timezone, quietStart, quietEnd string) validation.Errors {
	errs := validation.Errors{}
	if timezone != "" {
		if _, err := time.LoadLocation(timezone); err != nil || timezone == "Local" {
			errs[schema.UserTimezone] = validation.NewError("validation_unknown_timezone", "Unknown time zone: use an IANA name such as Europe/Paris.")
		}
	}
	if (quietStart == "") != (quietEnd == "") {
		field := schema.UserQuietEnd
		if quietStart == "" {
			field = schema.UserQuietStart
		}
		errs[field] = validation.NewError("validation_quiet_hours_pair", "Quiet hours need both a start and an end.")
	}
	return errs
}
