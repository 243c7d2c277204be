package schema

import "testing"

func TestRecordsURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url, collection, id string
		ok                  bool
	}{
		{"/api/collections/offers/records", "offers", "", true},
		{"/api/collections/offers/records?expand=owner", "offers", "", true},
		{"/api/collections/offers/records/abc123", "offers", "abc123", true},
		{"api/collections/offers/records/abc123/", "offers", "abc123", true},
		{"/api/collections/offers", "", "", false},
		{"/api/collections/offers/auth-with-password", "", "", false},
		{"/api/files/offers/abc/x.jpg", "", "", false},
		{"/api/collections/offers/records/abc/extra", "", "", false},
	}
	for _, c := range cases {
		coll, id, ok := RecordsURL(c.url)
		if coll != c.collection || id != c.id || ok != c.ok {
			t.Errorf("RecordsURL(%q) = %q, %q, %v", c.url, coll, id, ok)
		}
	}
}
