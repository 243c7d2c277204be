package changes

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// cursorPrefix versions the cursor's content, so that a later format can
// tell old cursors apart. Apps never look inside: a cursor is opaque.
const cursorPrefix = "pbs1:"

// EncodeCursor returns the opaque cursor that stands for "everything up to
// and including seq".
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(seq, 10)))
}

// errBadCursor is the one error every malformed cursor gets: the app did not
// make it, so the details would help nobody.
var errBadCursor = errors.New("malformed cursor")

// DecodeCursor returns the sequence number of a cursor made by EncodeCursor.
// Anything else (another encoding of the same number included) is refused,
// so each position has exactly one cursor.
func DecodeCursor(cursor string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, errBadCursor
	}
	digits, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, errBadCursor
	}
	seq, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || seq < 0 || EncodeCursor(seq) != cursor {
		return 0, errBadCursor
	}
	return seq, nil
}

// ParseLimit reads the limit query parameter: blank means def, a number
// above max is cut to max (as PocketBase does with perPage), and anything
// that is not a whole number of at least 1 is an error.
func ParseLimit(raw string, def, max int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, errors.New("limit must be a whole number of at least 1")
	}
	return min(n, max), nil
}

// Union returns the ids in a or b, each once, a's first: the audience of an
// update that moved a record from some people to others (both hear of it).
func Union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for _, ids := range [][]string{a, b} {
		for _, id := range ids {
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// Row is one change in a recipient's log: the record's latest change.
type Row struct {
	Seq        int64  `db:"seq"`
	Collection string `db:"record_collection"`
	RecordID   string `db:"record_id"`
	Action     string `db:"action"`
}

// Page cuts the rows read for one answer (up to limit+1 rows after the
// caller's cursor, none above head, in seq order) to the rows to answer,
// the cursor to continue from and whether more rows wait. When everything
// up to head fits, the cursor is head itself, so the next call starts after
// changes that were not the caller's too; otherwise it is the last row
// answered, and the next page starts right after it: no gap, no repeat.
func Page(rows []Row, limit int, head int64) (page []Row, cursor int64, more bool) {
	if len(rows) > limit {
		page = rows[:limit]
		return page, page[len(page)-1].Seq, true
	}
	return rows, head, false
}
