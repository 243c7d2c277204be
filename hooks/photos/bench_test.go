package photos

import (
	"bytes"
	"image/jpeg"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// benchSizes are the thumbs the offers photo field declares, plus
// PocketBase's default.
var benchSizes = []string{"1024x0", "480x0", "240x240", "100x100"}

// benchNs keeps each sub-benchmark's ns/op so the later ones can report
// their ratio to the baselines measured in the same run.
var (
	benchMu sync.Mutex
	benchNs = map[string]float64{}
)

func recordNs(b *testing.B, name string) float64 {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	benchMu.Lock()
	benchNs[name] = ns
	benchMu.Unlock()
	return ns
}

// reportRatio reports baseline/ours as "x-vs-<baseline>" when the baseline
// ran before in this process.
func reportRatio(b *testing.B, ours float64, baseline string) {
	benchMu.Lock()
	base, ok := benchNs[baseline]
	benchMu.Unlock()
	if ok && ours > 0 {
		b.ReportMetric(base/ours, "x-vs-"+baseline)
	}
}

// reportOverDecode reports ours/decode as "decodes": how many single
// decodes the work costs.
func reportOverDecode(b *testing.B, ours float64) {
	benchMu.Lock()
	base, ok := benchNs["decode"]
	benchMu.Unlock()
	if ok && base > 0 {
		b.ReportMetric(ours/base, "decodes")
	}
}

// allocatedDuring returns the bytes allocated while fn runs with the
// garbage collector off: nothing is freed, so it bounds the peak heap fn
// needs from above.
func allocatedDuring(fn func()) uint64 {
	runtime.GC()
	old := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(old)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkPhoneJPEG runs a 12 MP (4032x3024) phone-like JPEG through the
// baselines and our pipeline, in one process and in this order:
//
//   - decode: image/jpeg decoding alone;
//   - pocketbase: PocketBase's own tools/filesystem CreateThumb for each
//     size, on a local filesystem (it decodes the original for each size);
//   - floor-thumbs, floor-all: one decode plus encoding the thumbs (and the
//     capped original), the resized pictures made beforehand;
//   - thumbs: our pipeline without encoding the original;
//   - pipeline: Process, the sanitised original included.
//
// Run it on one core: go test -run '^$' -bench PhoneJPEG -cpu 1 -benchmem.
func BenchmarkPhoneJPEG(b *testing.B) {
	data := phoneJPEG(b)
	cfg := DefaultConfig()

	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
		recordNs(b, "decode")
	})

	b.Run("pocketbase", func(b *testing.B) {
		fsys, err := filesystem.NewLocal(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer fsys.Close()
		if err := fsys.Upload(data, "r/orig.jpg"); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for _, s := range benchSizes {
				if err := fsys.CreateThumb("r/orig.jpg", ThumbPath("r", "orig.jpg", s), s); err != nil {
					b.Fatal(err)
				}
			}
		}
		recordNs(b, "pocketbase")
	})

	// the pictures the floor encodes, made with the pipeline beforehand
	orig, thumbs := floorPictures(b, data, cfg)

	b.Run("floor-thumbs", func(b *testing.B) {
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			for _, t := range thumbs {
				if _, err := encode(t, JPEG, cfg.JPEGQuality); err != nil {
					b.Fatal(err)
				}
			}
		}
		ns := recordNs(b, "floor-thumbs")
		reportOverDecode(b, ns)
	})

	b.Run("floor-all", func(b *testing.B) {
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			for _, t := range append([]*picture{orig}, thumbs...) {
				if _, err := encode(t, JPEG, cfg.JPEGQuality); err != nil {
					b.Fatal(err)
				}
			}
		}
		ns := recordNs(b, "floor-all")
		reportOverDecode(b, ns)
	})

	b.Run("thumbs", func(b *testing.B) {
		for b.Loop() {
			if _, err := process(data, benchSizes, cfg, false); err != nil {
				b.Fatal(err)
			}
		}
		ns := recordNs(b, "thumbs")
		reportRatio(b, ns, "pocketbase")
		reportOverDecode(b, ns)
	})

	b.Run("pipeline", func(b *testing.B) {
		peak := allocatedDuring(func() {
			if _, err := Process(data, benchSizes, cfg); err != nil {
				b.Fatal(err)
			}
		})
		for b.Loop() {
			if _, err := Process(data, benchSizes, cfg); err != nil {
				b.Fatal(err)
			}
		}
		// reported after the loop, which clears metrics on its start; the
		// upload itself is in flight too
		b.ReportMetric(float64(peak+uint64(len(data)))/(1<<20), "peak-MiB")
		ns := recordNs(b, "pipeline")
		reportRatio(b, ns, "pocketbase")
		reportOverDecode(b, ns)
	})
}

// floorPictures returns the capped original and the benchmark's thumbs as
// pictures, made by the pipeline's own steps.
func floorPictures(b *testing.B, data []byte, cfg Config) (*picture, []*picture) {
	b.Helper()
	info, err := Guard(data, "", cfg)
	if err != nil {
		b.Fatal(err)
	}
	pic, err := decode(info, data)
	if err != nil {
		b.Fatal(err)
	}
	w, h := capDims(pic.w, pic.h, cfg.MaxSide)
	orig := pic.resize(box{0, 0, float64(pic.w), float64(pic.h)}, w, h, catmullRomFilter)
	d := newDeriver(orig)
	var thumbs []*picture
	for _, s := range benchSizes {
		t, err := ParseThumbSize(s)
		if err != nil {
			b.Fatal(err)
		}
		bx, tw, th := t.plan(orig.w, orig.h)
		thumbs = append(thumbs, d.derive(bx, tw, th))
	}
	return orig, thumbs
}

// BenchmarkResize12MPTo2560 is the pipeline's largest single step: the
// 4032x3024 YCbCr picture down to the 2560x1920 original.
func BenchmarkResize12MPTo2560(b *testing.B) {
	pic := pictureOf(phonePhoto(4032, 3024, 12))
	for b.Loop() {
		pic.resize(box{0, 0, 4032, 3024}, 2560, 1920, catmullRomFilter)
	}
}

// BenchmarkGuard is the check every upload goes through before decoding.
func BenchmarkGuard(b *testing.B) {
	data := phoneJPEG(b)
	for b.Loop() {
		if _, err := Guard(data, "IMG_0001.jpg", Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
