package schema

import "strings"

// RecordsURL reads a records API path ("/api/collections/{collection}/records"
// or ".../records/{id}", with or without a query), as the requests of
// /api/batch give it; ok is false for any other path.
func RecordsURL(url string) (collection, id string, ok bool) {
	path, _, _ := strings.Cut(url, "?")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 4 || len(parts) > 5 || parts[0] != "api" || parts[1] != "collections" || parts[3] != "records" {
		return "", "", false
	}
	if len(parts) == 5 {
		id = parts[4]
	}
	return parts[2], id, true
}
