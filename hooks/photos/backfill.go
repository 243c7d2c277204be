package photos

import (
	"fmt"
	"io"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/spf13/cobra"
)

// BackfillStats counts what a backfill run did.
type BackfillStats struct {
	Records  int // records looked at
	Reworked int // records whose images were reprocessed
	Images   int // images reprocessed
	Failed   int // records that could not be reprocessed (logged)
	UpToDate int // records that needed nothing
}

// String summarises the run for the terminal.
func (s BackfillStats) String() string {
	return fmt.Sprintf("%d records looked at: %d reprocessed (%d images), %d already up to date, %d failed",
		s.Records, s.Reworked, s.Images, s.UpToDate, s.Failed)
}

// NewCommand returns the `photos` command with its `backfill` subcommand,
// for the binary's root command. cfg is read when the command runs, after
// the flags are parsed.
func NewCommand(app core.App, cfg *Config) *cobra.Command {
	cmd := &cobra.Command{Use: "photos", Short: "Photo maintenance"}
	cmd.AddCommand(&cobra.Command{
		Use:   "backfill",
		Short: "Sanitise and thumbnail images stored before the photos pipeline, or by a failed run",
		Long: "Goes through every record with an image field and reprocesses each image that has no\n" +
			"metadata or misses a thumb: the stored file is replaced by its sanitised original (EXIF and GPS\n" +
			"gone, upright, size capped) and every thumb is written. Each record is saved on its own, so the\n" +
			"command can be stopped at any time and run again: it skips what is done.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			stats, err := Backfill(app, c.ErrOrStderr())
			fmt.Fprintln(c.OutOrStdout(), stats)
			return err
		},
	})
	return cmd
}

// Backfill reprocesses every stored image that the pipeline has not fully
// handled, through the same record save (and so the same hooks) as an
// upload, drawing a progress bar on progress. Register must have bound the
// hooks to app.
func Backfill(app core.App, progress io.Writer) (BackfillStats, error) {
	var stats BackfillStats
	collections, err := app.FindAllCollections(core.CollectionTypeBase, core.CollectionTypeAuth)
	if err != nil {
		return stats, fmt.Errorf("failed to list collections: %w", err)
	}
	var withImages []*core.Collection
	total := 0
	for _, c := range collections {
		if len(ImageFields(c)) == 0 {
			continue
		}
		n, err := app.CountRecords(c)
		if err != nil {
			return stats, fmt.Errorf("failed to count %s: %w", c.Name, err)
		}
		withImages = append(withImages, c)
		total += int(n)
	}

	fsys, err := app.NewFilesystem()
	if err != nil {
		return stats, fmt.Errorf("failed to open the file storage: %w", err)
	}
	defer fsys.Close()

	bar := &progressBar{w: progress, total: total}
	for _, c := range withImages {
		lastID := ""
		for {
			var records []*core.Record
			err := app.RecordQuery(c).AndWhere(dbx.NewExp("[[id]] > {:last}", dbx.Params{"last": lastID})).
				OrderBy("id").Limit(100).All(&records)
			if err != nil {
				return stats, fmt.Errorf("failed to load %s: %w", c.Name, err)
			}
			if len(records) == 0 {
				break
			}
			for _, r := range records {
				lastID = r.Id
				stats.Records++
				n, err := backfillRecord(app, fsys, r)
				switch {
				case err != nil:
					stats.Failed++
					app.Logger().Error("photos backfill: failed to reprocess a record",
						"collection", c.Name, "record", r.Id, "error", err)
				case n == 0:
					stats.UpToDate++
				default:
					stats.Reworked++
					stats.Images += n
				}
				bar.step(c.Name)
			}
		}
	}
	bar.done()
	return stats, nil
}

// backfillRecord replaces each image of r that needs work by a re-upload of
// its stored bytes and saves r, so the photos hooks process it and
// PocketBase deletes the old file. It returns how many images it replaced.
func backfillRecord(app core.App, fsys *filesystem.System, r *core.Record) (int, error) {
	replaced := 0
	for _, field := range ImageFields(r.Collection()) {
		metaField := metaFieldOf(r.Collection().Name, field.Name)
		meta := map[string]StoredMeta{}
		if metaField != "" {
			_ = r.UnmarshalJSONField(metaField, &meta) // missing or broken meta means: redo
		}
		names := r.GetStringSlice(field.Name)
		values := make([]any, len(names))
		changed := false
		for i, name := range names {
			values[i] = name
			if !needsWork(fsys, r, field, name, meta, metaField != "") {
				continue
			}
			f, err := fsys.GetReuploadableFile(r.BaseFilesPath()+"/"+name, false)
			if err != nil {
				return 0, fmt.Errorf("failed to read %s: %w", name, err)
			}
			values[i] = f
			changed = true
			replaced++
		}
		if changed {
			r.Set(field.Name, values)
		}
	}
	if replaced == 0 {
		return 0, nil
	}
	if err := app.Save(r); err != nil {
		return 0, err
	}
	return replaced, nil
}

// needsWork tells whether a stored file of an image field lacks its meta
// or any thumb. Files that are not images (a PDF attachment) need nothing.
func needsWork(fsys *filesystem.System, r *core.Record, field *core.FileField, name string, meta map[string]StoredMeta, hasMeta bool) bool {
	if claimed, _ := claimedFormat(name); claimed == "" {
		return false // not an image: a PDF attachment
	}
	if _, ok := meta[name]; hasMeta && !ok {
		return true
	}
	if !strings.HasSuffix(strings.ToLower(name), ".jpg") && !strings.HasSuffix(strings.ToLower(name), ".png") {
		return true // HEIC, WebP, GIF originals predate the pipeline
	}
	for _, size := range ThumbSizes(field.Thumbs) {
		if ok, err := fsys.Exists(ThumbPath(r.BaseFilesPath(), name, size)); err != nil || !ok {
			return true
		}
	}
	return false
}

// progressBar draws "[#####.....] 12/40 offers" on one terminal line.
type progressBar struct {
	w     io.Writer
	total int
	n     int
}

func (b *progressBar) step(label string) {
	b.n++
	if b.w == nil || b.total == 0 {
		return
	}
	const width = 30
	filled := b.n * width / b.total
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d %-20s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), b.n, b.total, label)
}

func (b *progressBar) done() {
	if b.w != nil && b.total > 0 {
		fmt.Fprintln(b.w)
	}
}
