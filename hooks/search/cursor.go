package search

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
)

// cursor is the position after the last item of a page, and what the
// first page saw: Snap is the highest document handle then, so later pages
// leave out records indexed since (pages never repeat nor skip while
// records are added), and Hash identifies the search it belongs to.
type cursor struct {
	Snap int64   `json:"s"`
	N    int64   `json:"n"`           // the last item's handle (the tie-break)
	F    float64 `json:"f,omitempty"` // the last item's score, distance or price
	T    string  `json:"t,omitempty"` // the last item's created time (newest)
	Hash string  `json:"h"`
}

// String is the opaque form handed to clients as next.
func (c cursor) String() string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func parseCursor(s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if c.Snap < 1 || c.N < 1 || c.N > c.Snap || math.IsNaN(c.F) || math.IsInf(c.F, 0) || len(c.T) > 40 || c.Hash == "" {
		return nil, errors.New("malformed cursor")
	}
	return &c, nil
}
