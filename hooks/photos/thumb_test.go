package photos

import (
	"image"
	"peerbase/hooks/photos/photostest"
	"slices"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

func TestParseThumbSize(t *testing.T) {
	t.Parallel()
	valid := map[string]ThumbSize{
		"100x100": {100, 100, 0},
		"1024x0":  {1024, 0, 0},
		"0x300":   {0, 300, 0},
		"240x240": {240, 240, 0},
		"50x60t":  {50, 60, 't'},
		"50x60b":  {50, 60, 'b'},
		"50x60f":  {50, 60, 'f'},
	}
	for s, want := range valid {
		got, err := ParseThumbSize(s)
		if err != nil || got != want {
			t.Errorf("ParseThumbSize(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("String() = %q, want %q", got.String(), s)
		}
		// the syntax is PocketBase's own
		if !filesystem.ThumbSizeRegex.MatchString(s) {
			t.Errorf("PocketBase does not accept %q", s)
		}
	}
	for _, s := range []string{"", "0x0", "100", "100x", "x100", "100x100c", " 100x100", "-1x10", "99999999999999999999x1", "70000x10"} {
		if _, err := ParseThumbSize(s); err == nil {
			t.Errorf("ParseThumbSize(%q) succeeded", s)
		}
	}
}

func TestThumbSizes(t *testing.T) {
	t.Parallel()
	got := ThumbSizes([]string{"1024x0", "480x0", "1024x0"})
	if !slices.Equal(got, []string{"1024x0", "480x0", "100x100"}) {
		t.Errorf("ThumbSizes() = %v", got)
	}
	got = ThumbSizes([]string{"100x100", "50x50"})
	if !slices.Equal(got, []string{"100x100", "50x50"}) {
		t.Errorf("ThumbSizes() = %v", got)
	}
}

func TestThumbPath(t *testing.T) {
	t.Parallel()
	got := ThumbPath("pbc_123/rec456", "photo_ab12.jpg", "100x100")
	if got != "pbc_123/rec456/thumbs_photo_ab12.jpg/100x100_photo_ab12.jpg" {
		t.Errorf("ThumbPath() = %q", got)
	}
}

// pocketBaseThumb is what PocketBase's tools/filesystem.createThumb does
// with an original of the given size, through imaging itself.
func pocketBaseThumb(img image.Image, t ThumbSize) *image.NRGBA {
	if t.Width == 0 || t.Height == 0 {
		return imaging.Resize(img, t.Width, t.Height, imaging.Linear)
	}
	switch t.Mode {
	case 'f':
		return imaging.Fit(img, t.Width, t.Height, imaging.Linear)
	case 't':
		return imaging.Fill(img, t.Width, t.Height, imaging.Top, imaging.Linear)
	case 'b':
		return imaging.Fill(img, t.Width, t.Height, imaging.Bottom, imaging.Linear)
	}
	return imaging.Fill(img, t.Width, t.Height, imaging.Center, imaging.Linear)
}

// TestPlanSizesMatchPocketBase runs imaging on originals of many shapes
// (small ones included, where imaging resizes before it crops) and checks
// that plan predicts every thumb's size to the pixel.
func TestPlanSizesMatchPocketBase(t *testing.T) {
	t.Parallel()
	specs := []string{"100x100", "100x100t", "100x100b", "100x100f", "400x0", "0x200", "240x240", "80x30", "30x80", "50x50f", "7x3f", "120x90", "1x1", "3x0", "0x1"}
	r := photostest.RNG(77)
	for range 60 {
		w0, h0 := 1+int(r.Next()%250), 1+int(r.Next()%250)
		img := image.NewGray(image.Rect(0, 0, w0, h0))
		for _, s := range specs {
			ts, err := ParseThumbSize(s)
			if err != nil {
				t.Fatal(err)
			}
			want := pocketBaseThumb(img, ts).Rect.Size()
			_, w, h := ts.plan(w0, h0)
			if w != want.X || h != want.Y {
				t.Fatalf("%dx%d %s: plan %dx%d, imaging %v", w0, h0, s, w, h, want)
			}
		}
	}
}

// TestPlanCropMatchesPocketBase checks where the crops fall: a picture of
// horizontal bands (and vertical ones) makes the top, bottom and centre
// anchors, and the small-original path, show in the pixels.
func TestPlanCropMatchesPocketBase(t *testing.T) {
	t.Parallel()
	for _, size := range []image.Point{{400, 300}, {300, 400}, {90, 60}, {60, 90}} {
		src := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
		for y := 0; y < size.Y; y++ {
			for x := 0; x < size.X; x++ {
				i := src.PixOffset(x, y)
				src.Pix[i] = uint8(255 * y / size.Y)
				src.Pix[i+1] = uint8(255 * x / size.X)
				src.Pix[i+2] = 60
				src.Pix[i+3] = 255
			}
		}
		orig := pictureOf(src)
		for _, s := range []string{"100x100", "100x100t", "100x100b", "100x40", "40x100", "100x40t", "100x40b", "50x50f", "200x0"} {
			ts, _ := ParseThumbSize(s)
			bx, w, h := ts.plan(orig.w, orig.h)
			got := newDeriver(orig).derive(bx, w, h).image()
			want := pocketBaseThumb(src, ts)
			if p := psnrLuma(got, want); p < 30 {
				t.Errorf("%v %s: %.1f dB from PocketBase's thumb", size, s, p)
			}
		}
	}
}
