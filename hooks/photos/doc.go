// Package photos makes uploaded photos safe to store and quick to list,
// without an app: the hook layer calls it, the tests call it directly.
//
// An upload goes through two steps:
//
//   - Guard reads only the magic bytes and the header (the format's
//     DecodeConfig): it takes JPEG, PNG, WebP, GIF (first frame) and HEIC,
//     refuses anything else, a name that claims another format, a size
//     that is not positive or over Config.MaxPixels. Nothing is decoded, so
//     a file that declares 50000x50000 costs kilobytes.
//   - Process decodes once, bakes the EXIF orientation into the pixels
//     (never for HEIC: libheif has already applied the container's irot and
//     imir, and its EXIF tag repeats them), drops all metadata by
//     re-encoding, caps the longest side at Config.MaxSide, and encodes the
//     original as JPEG, or PNG when it has real transparency. From the same
//     pixels it makes every thumb size the field declares plus PocketBase's
//     100x100, with PocketBase's semantics (tools/filesystem: WxH, WxHt,
//     WxHb, WxHf, Wx0, 0xH), each smaller one derived from the smallest
//     larger picture that still holds enough detail, and a blurhash and the
//     dominant colour.
//
// Content problems are *Error values that name a reason a person can read
// ("image is 50000x50000, over the 40 MP limit"), meant for a field-level
// 400. Work runs on the caller's goroutine: a Pool bounds how many photos
// are in flight (a 12 MP JPEG needs about 32 MiB; a 12 MP HEIC, decoded in
// WASM, several times that).
//
// Wiring, in a request hook for each file of an image field:
//
//	if _, err := photos.Guard(data, file.OriginalName, cfg); err != nil { ... 400 ... }
//	var res *photos.Result
//	err := pool.Do(ctx, func() (err error) { res, err = photos.Process(data, field.Thumbs, cfg); return err })
//	// store res.Original as photos.ReplaceExt(name, res.Format), each thumb t at
//	// photos.ThumbPath(record.BaseFilesPath(), storedName, t.Size), and res.Meta
//
// The pipeline keeps photos planar: a JPEG's YCbCr planes are resized,
// turned and encoded without ever becoming a full-size RGB image. Resizing
// is a fixed-point separable convolution (a box pre-shrink while the
// shrink is large, then Catmull-Rom) that works on two rows at once packed
// in one int64; encoding hands the standard library's image/jpeg the planes
// themselves as an *image.YCbCr (4:2:0) or *image.Gray, the layouts it has
// fast paths for.
//
// HEIC decoding is github.com/gen2brain/heic: libheif 1.18.2 and libde265
// 1.0.15 (both LGPL-3.0) compiled to WebAssembly, embedded in the binary
// and run by github.com/tetratelabs/wazero (Apache-2.0), so the build stays
// CGO_ENABLED=0; build with the nodynamic tag so that a system libheif is
// never loaded instead.
package photos
