package social_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/schema"
)

// counts reads a user's follower and following counts through the API, as
// someone else sees them on the profile.
func (s *server) counts(t testing.TB, who string) (followers, following int) {
	t.Helper()
	out := s.must(t, 200, tokens["eve"], http.MethodGet, "/api/collections/users/records/"+ids[who], nil)
	return int(out[schema.UserFollowersCount].(float64)), int(out[schema.UserFollowingCount].(float64))
}

func TestFollowCounts(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	benAna := s.follow(t, "ben", "ana")
	s.follow(t, "cleo", "ana")
	s.follow(t, "ana", "ben")
	if f, g := s.counts(t, "ana"); f != 2 || g != 1 {
		t.Fatalf("ana: %d followers, %d following, want 2 and 1", f, g)
	}
	if f, g := s.counts(t, "ben"); f != 1 || g != 1 {
		t.Fatalf("ben: %d followers, %d following, want 1 and 1", f, g)
	}

	// nobody but the hooks writes them: not the user, in any form
	for _, body := range []map[string]any{
		{schema.UserFollowersCount: 1000}, {schema.UserFollowingCount: 0}, {schema.UserFollowersCount + "+": 5},
	} {
		status, out := s.do(t, tokens["ana"], http.MethodPatch, "/api/collections/users/records/"+ids["ana"], body)
		if status != 400 || (fieldCode(out, schema.UserFollowersCount) != "validation_computed_field" &&
			fieldCode(out, schema.UserFollowingCount) != "validation_computed_field") {
			t.Errorf("PATCH %v as ana: %d %v, want a 400 naming the field", body, status, out)
		}
	}
	// following twice is refused, and counts nothing
	if status, _ := s.do(t, tokens["ben"], http.MethodPost, "/api/collections/follows/records",
		map[string]any{schema.FollowFollower: ids["ben"], schema.FollowFollowee: ids["ana"]}); status != 400 {
		t.Errorf("a second follow: %d, want 400", status)
	}
	// another person can't end ben's follow
	if status, _ := s.do(t, tokens["cleo"], http.MethodDelete, "/api/collections/follows/records/"+benAna, nil); status != 404 {
		t.Errorf("cleo deleting ben's follow: %d, want 404", status)
	}
	s.must(t, 204, tokens["ben"], http.MethodDelete, "/api/collections/follows/records/"+benAna, nil)
	if f, g := s.counts(t, "ana"); f != 1 || g != 1 {
		t.Fatalf("ana after ben unfollowed: %d followers, %d following, want 1 and 1", f, g)
	}
	if f, g := s.counts(t, "ben"); f != 1 || g != 0 {
		t.Fatalf("ben after unfollowing: %d followers, %d following, want 1 and 0", f, g)
	}

	// a deleted account's follows go with it, and its counts from others
	s.must(t, 204, tokens["cleo"], http.MethodDelete, "/api/collections/users/records/"+ids["cleo"], nil)
	if f, _ := s.counts(t, "ana"); f != 0 {
		t.Fatalf("ana after cleo's account was deleted: %d followers, want 0", f)
	}
}

func TestBlocksEndFollowsBothWays(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.follow(t, "ana", "ben")
	s.follow(t, "ben", "ana")
	s.follow(t, "cleo", "ana")
	s.must(t, 200, tokens["ana"], http.MethodPost, "/api/collections/blocks/records",
		map[string]any{schema.BlockBlocker: ids["ana"], schema.BlockBlocked: ids["ben"]})

	if n := count(t, s.app, schema.Follows, "(follower = {:a} && followee = {:b}) || (follower = {:b} && followee = {:a})",
		dbx.Params{"a": ids["ana"], "b": ids["ben"]}); n != 0 {
		t.Fatalf("%d follows left between ana and ben after the block", n)
	}
	if f, g := s.counts(t, "ana"); f != 1 || g != 0 {
		t.Fatalf("ana after blocking ben: %d followers, %d following, want 1 (cleo) and 0", f, g)
	}
	if f, g := s.counts(t, "ben"); f != 0 || g != 0 {
		t.Fatalf("ben after the block: %d followers, %d following, want 0 and 0", f, g)
	}
	// neither may follow the other again while the block stands
	for _, pair := range [][2]string{{"ben", "ana"}, {"ana", "ben"}} {
		status, out := s.do(t, tokens[pair[0]], http.MethodPost, "/api/collections/follows/records",
			map[string]any{schema.FollowFollower: ids[pair[0]], schema.FollowFollowee: ids[pair[1]]})
		if status != 400 || fieldCode(out, schema.FollowFollowee) != "validation_blocked" {
			t.Errorf("%s following %s after the block: %d %v, want a 400 validation_blocked", pair[0], pair[1], status, out)
		}
	}
	if f, _ := s.counts(t, "ben"); f != 0 {
		t.Fatalf("a refused follow counted: ben has %d followers", f)
	}
}
