package search

// SetDenseBox sets the box size from which a newest-first list walks the
// records instead of the box, and returns a function restoring it.
func SetDenseBox(n int) (restore func()) {
	old := denseBox.Swap(int64(n))
	return func() { denseBox.Store(old) }
}
