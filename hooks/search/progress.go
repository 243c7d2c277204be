package search

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// progressBar draws "[=====>     ] 42% 42000/100000 offers" on a terminal,
// at most every 100 ms.
type progressBar struct {
	w     io.Writer
	total int
	n     int
	last  time.Time
}

func newProgressBar(w io.Writer, total int) *progressBar { return &progressBar{w: w, total: total} }

func (b *progressBar) step(what string) {
	b.n++
	if b.w == nil || (time.Since(b.last) < 100*time.Millisecond && b.n != b.total) {
		return
	}
	b.last = time.Now()
	const width = 30
	filled, pct := width, 100
	if b.total > 0 {
		filled, pct = b.n*width/b.total, b.n*100/b.total
	}
	fmt.Fprintf(b.w, "\r[%s%s] %3d%% %d/%d %s   ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		pct, b.n, b.total, what)
}

func (b *progressBar) done() {
	if b.w != nil && b.n > 0 {
		fmt.Fprintln(b.w)
	}
}

func sortStrings(s []string) { sort.Strings(s) }
