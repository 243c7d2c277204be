package matching

import (
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"peerbase/hooks/schema"
	"peerbase/hooks/text"
)

// Report is what a check of the want index found.
type Report struct {
	Wants    int
	Took     time.Duration
	Problems []string
}

// String is the one line `matching check` prints.
func (r Report) String() string {
	if len(r.Problems) == 0 {
		return fmt.Sprintf("matching index OK: %d active wants, built in %s", r.Wants, r.Took.Round(time.Millisecond))
	}
	return fmt.Sprintf("matching index: %d problems over %d active wants", len(r.Problems), r.Wants)
}

// Check rebuilds the index from the database and checks it against the
// database: every active want is in it and nothing else, its structure is
// sound, and each want is found by an offer made to fit it exactly (at its
// centre, in its category, of a kind and with the words it asks for).
func Check(app core.App) (Report, error) {
	var r Report
	t0 := time.Now()
	x, err := Load(app)
	if err != nil {
		return r, err
	}
	r.Took = time.Since(t0)
	r.Problems = append(r.Problems, x.Verify()...)
	var recs []*core.Record
	if err := app.RecordQuery(schema.Wants).AndWhere(liveWants).All(&recs); err != nil {
		return r, fmt.Errorf("failed to load the wants: %w", err)
	}
	r.Wants = len(recs)
	if x.Len() != len(recs) {
		r.Problems = append(r.Problems, fmt.Sprintf("the index holds %d wants, the database %d active ones", x.Len(), len(recs)))
	}
	for _, rec := range recs {
		w := WantFromRecord(rec)
		o := fittingOffer(w)
		if !slices.Contains(x.Match(o), w.ID) {
			r.Problems = append(r.Problems, fmt.Sprintf("want %s is not found by an offer made to fit it", w.ID))
		}
	}
	return r, nil
}

// fittingOffer is an offer every rule of w accepts.
func fittingOffer(w *Want) *Offer {
	o := &Offer{ID: "check", Owner: "\x00check", Category: w.Category, Kind: schema.KindGive,
		Tokens: text.Set{}, HasLocation: w.HasLocation, Lat: w.Lat, Lon: w.Lon}
	if len(w.Kinds) > 0 {
		o.Kind = w.Kinds[0]
	}
	for _, t := range w.Query.Terms {
		if !t.Not {
			o.Tokens[t.Token] = struct{}{}
		}
	}
	return o
}

// repair compares the live indexes with a fresh build from the database and
// takes the fresh one when they disagree (a write path that escaped the
// hooks, such as raw SQL in a migration).
func (s *service) repair() error {
	fresh, err := Load(s.app)
	if err != nil {
		return err
	}
	live, now := s.index.IDs(), fresh.IDs()
	slices.Sort(live)
	slices.Sort(now)
	if !slices.Equal(live, now) {
		s.app.Logger().Warn("matching: the want index had drifted from the database; rebuilt it",
			"indexed", len(live), "active", len(now))
		s.index.replace(fresh)
	}
	swaps, err := LoadSwaps(s.app)
	if err != nil {
		return err
	}
	if !slices.Equal(s.swaps.IDs(), swaps.IDs()) {
		s.app.Logger().Warn("matching: the swap index had drifted from the database; rebuilt it")
		s.swaps.replace(swaps)
	}
	return nil
}

// NewCommand returns the `matching` command: `matching check` rebuilds the
// want index from the database and checks it.
func NewCommand(app core.App) *cobra.Command {
	cmd := &cobra.Command{Use: "matching", Short: "Matching maintenance"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Rebuild the want index from the database and check it",
		Long: "Builds the in-memory index of active wants the way the server does at start, then checks it\n" +
			"against the database: every active want is indexed and nothing else, the index is sound, and\n" +
			"each want is found by an offer made to fit it. Exits with an error when anything is wrong.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			r, err := Check(app)
			if err != nil {
				return err
			}
			for _, p := range r.Problems {
				fmt.Fprintln(c.ErrOrStderr(), p)
			}
			fmt.Fprintln(c.OutOrStdout(), r)
			if len(r.Problems) > 0 {
				return fmt.Errorf("the matching index disagrees with the database")
			}
			return nil
		},
	})
	return cmd
}
