package demo

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

func TestPhotoJPEG(t *testing.T) {
	t.Parallel()

	a, err := photoJPEG(seedOf("photo", "drill", "0"), photoWidth, photoHeight)
	if err != nil {
		t.Fatal(err)
	}
	again, err := photoJPEG(seedOf("photo", "drill", "0"), photoWidth, photoHeight)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, again) {
		t.Fatal("the same seed drew two different photos")
	}
	other, err := photoJPEG(seedOf("photo", "drill", "1"), photoWidth, photoHeight)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, other) {
		t.Fatal("two seeds drew the same photo")
	}

	img, format, err := image.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("the photo does not decode: %v", err)
	}
	if format != "jpeg" || img.Bounds().Dx() != photoWidth || img.Bounds().Dy() != photoHeight {
		t.Fatalf("got a %s of %v, want a %dx%d jpeg", format, img.Bounds().Size(), photoWidth, photoHeight)
	}
	// a picture, not a flat card: the gradient makes opposite corners differ
	if sameColor(img, 5, 5, photoWidth-5, photoHeight-5) {
		t.Error("the photo has no gradient: its opposite corners have the same colour")
	}
}

func TestAvatarJPEG(t *testing.T) {
	t.Parallel()

	b, err := avatarJPEG(seedOf("avatar", "ana"), avatarSize)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the avatar does not decode: %v", err)
	}
	if cfg.Width != avatarSize || cfg.Height != avatarSize {
		t.Fatalf("got a %dx%d avatar, want %dx%[3]d", cfg.Width, cfg.Height, avatarSize)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// the head is drawn over the background
	if sameColor(img, avatarSize/2, avatarSize*2/5, 10, 10) {
		t.Error("the avatar has no figure: the head has the background's colour")
	}
}

func TestHSV(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		h, s, v float64
		r, g, b uint8
	}{
		{0, 1, 1, 255, 0, 0},
		{120, 1, 1, 0, 255, 0},
		{240, 1, 1, 0, 0, 255},
		{360 + 240, 1, 1, 0, 0, 255},
		{-120, 1, 1, 0, 0, 255},
		{42, 0, 0.5, 128, 128, 128},
	} {
		c := hsv(tc.h, tc.s, tc.v)
		if c.R != tc.r || c.G != tc.g || c.B != tc.b || c.A != 255 {
			t.Errorf("hsv(%v, %v, %v) = %v, want (%d, %d, %d, 255)", tc.h, tc.s, tc.v, c, tc.r, tc.g, tc.b)
		}
	}
}

// sameColor tells whether two pixels are within a small JPEG error of each other.
func sameColor(img image.Image, x1, y1, x2, y2 int) bool {
	r1, g1, b1, _ := img.At(x1, y1).RGBA()
	r2, g2, b2, _ := img.At(x2, y2).RGBA()
	near := func(a, b uint32) bool { return max(a, b)-min(a, b) < 12<<8 }
	return near(r1, r2) && near(g1, g2) && near(b1, b2)
}
